"""AI accident-risk forecasting and inspection targeting: features, model, backtest, plan."""
