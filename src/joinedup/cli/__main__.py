"""``python -m joinedup.cli``: the same command as the ``joinedup`` console script."""

from joinedup.cli import app

if __name__ == "__main__":
    app(prog_name="joinedup")
