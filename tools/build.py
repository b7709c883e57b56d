"""Build steps that `make` runs when their inputs change:

    python -m tools.build vectors    fetch and check the pinned word-vector wheel (coach/language/vectors.py)
    python -m tools.build language   build the spaCy pipeline and write the Rasa skill synonyms
                                     (coach/language/pipeline.py)
"""
from __future__ import annotations

import argparse
import sys

from coach.content.catalogue import ROOT, catalogue
from coach.language import pipeline, vectors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("vectors", "language"))
    step = parser.parse_args(argv).step
    try:
        if step == "vectors":
            print(f"word vector source ready: {vectors.fetch_wheel().relative_to(ROOT)}", file=sys.stderr)
        else:
            pipeline.build(catalogue())
            print(f"spaCy pipeline saved to {pipeline.PIPELINE_DIR.relative_to(ROOT)}", file=sys.stderr)
    except vectors.VectorSourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
