"""The ``mdm`` command as a Python file, for ``spark-submit`` (which runs a .py file, not a
console script): ``spark-submit --jars SPLINK_JAR mdm/spark/submit.py reconcile --engine spark ...``.
"""

import sys
from pathlib import Path

# spark-submit puts this file's folder first on sys.path; its modules are not top-level ones.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from mdm.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
