"""The ILO 2025 exposure classes and the gradient rule from an occupation's mean and SD of task scores.

Rule (ILO Working Paper 140, Gmyrek et al. 2025), applied to the published mean and standard deviation
of an occupation's task scores (0-1), in this order:

- Gradient 4: mean >= 0.6 and mean - SD >= 0.5 (most tasks highly exposed, little variation);
- Gradient 3: mean >= 0.5 (otherwise);
- Gradient 2: 0.4 <= mean < 0.5 and mean + SD >= 0.5;
- Gradient 1: mean < 0.4 and mean + SD >= 0.5 (some tasks highly exposed, others not);
- Minimal Exposure: mean + SD >= 0.4 (otherwise);
- Not Exposed: everything else.

The labels were evidently computed in IEEE-754 double precision from the two-decimal published values,
and that is what we do: it reproduces all 427 published labels. In exact decimal arithmetic three
occupations sit exactly on mean + SD = 0.40 (1213, 3134, 3152: 0.36 + 0.04 and 0.29 + 0.11 give
0.39999999999999997 in floating point) and the ILO labels them Not Exposed, while four others at exactly
0.40 (1311, 1323, 3154, 5245) are Minimal Exposure; `DECIMAL_BOUNDARY_CASES` lists them. Armed forces and
six civilian unit groups have no score; they are reported as unscored, never guessed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qorgau.aiwork import reference
from qorgau.core.i18n_markers import N_

CLASSES = ("not_exposed", "minimal", "1", "2", "3", "4")
UNSCORED = "unscored"
COLUMNS = (*CLASSES, UNSCORED)
EXPOSED = ("1", "2", "3", "4")
CLASS_LABELS = {
    "not_exposed": N_("Not Exposed"),
    "minimal": N_("Minimal Exposure"),
    "1": N_("Exposed: Gradient 1"),
    "2": N_("Exposed: Gradient 2"),
    "3": N_("Exposed: Gradient 3"),
    "4": N_("Exposed: Gradient 4"),
    "unscored": N_("Not scored"),
}
CLASS_DESCRIPTIONS = {
    "not_exposed": N_("Mean task score plus one standard deviation below 0.4."),
    "minimal": N_("Mean task score plus one standard deviation from 0.4 to below 0.5."),
    "1": N_("Mean task score below 0.4, but some tasks highly exposed (mean plus SD at least 0.5)."),
    "2": N_("Mean task score from 0.4 to below 0.5, with some tasks highly exposed."),
    "3": N_("Mean task score from 0.5, not meeting gradient 4."),
    "4": N_("Mean task score at least 0.6 and mean minus SD at least 0.5: most tasks highly exposed."),
    "unscored": N_("The ILO index has no score for this occupation."),
}
# Published ILO 2025 label -> our class id.
ILO_LABELS = {"Not Exposed": "not_exposed", "Minimal Exposure": "minimal", "Exposed: Gradient 1": "1",
              "Exposed: Gradient 2": "2", "Exposed: Gradient 3": "3", "Exposed: Gradient 4": "4"}
# ILO 2023 (WP96) categories -> ids; "The Big Uknown" is the upstream spelling.
ILO_2023_LABELS = {"Not affected": "not_affected", "The Big Uknown": "big_unknown",
                   "Augmentation Potential": "augmentation", "Automation Potential": "automation"}
LABELS_2023 = {"not_affected": N_("Not affected"), "big_unknown": N_("The big unknown"),
               "augmentation": N_("Augmentation potential"), "automation": N_("Automation potential")}
DECIMAL_BOUNDARY_CASES = {"1213": "not_exposed", "3134": "not_exposed", "3152": "not_exposed"}
SOURCE = N_("ILO generative-AI exposure index 2025 (Gmyrek et al., ILO Working Paper 140)")


def gradient(mean: np.ndarray | pd.Series | float, sd: np.ndarray | pd.Series | float) -> np.ndarray:
    """Class id per occupation from mean and SD of task scores (vectorised; float64 like the ILO's)."""
    m = np.asarray(mean, dtype=np.float64)
    s = np.asarray(sd, dtype=np.float64)
    upper, lower = m + s, m - s
    return np.select(
        [(m >= 0.6) & (lower >= 0.5), m >= 0.5, (m >= 0.4) & (upper >= 0.5), upper >= 0.5, upper >= 0.4],
        ["4", "3", "2", "1", "minimal"], default="not_exposed").astype(object)


def explain(mean: float, sd: float) -> str:
    """One line saying which condition placed an occupation in its class (English, for logs and tests)."""
    cls = str(gradient(mean, sd))
    return (f"mean {mean:.2f}, SD {sd:.2f}, mean+SD {mean + sd:.2f}, mean-SD {mean - sd:.2f} -> "
            f"{CLASS_LABELS[cls]}: {CLASS_DESCRIPTIONS[cls]}")


def occupation_classes() -> pd.Series:
    """Class id for every one of the 436 unit groups ('unscored' where the ILO gives no score)."""
    scores = reference.ilo_scores()
    classes = pd.Series(gradient(scores["mean_2025"], scores["sd_2025"]), index=scores.index)
    return classes.reindex(list(reference.unit_groups())).fillna(UNSCORED)


def class_rank(cls: str) -> int:
    """0 (not exposed) to 5 (gradient 4); -1 for unscored."""
    return CLASSES.index(cls) if cls in CLASSES else -1
