"""`python -m mcp` is the same as the `mcp` console script."""

from mcp.cli import main

if __name__ == "__main__":
    main()
