"""The statistics and rules of the accident registry as plain functions over pandas/numpy: no database
session, no HTTP. The modules beside `service` feed them rows read from the database."""
