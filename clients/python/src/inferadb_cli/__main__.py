"""Entry point of ``inferadb``: every failure is one line on stderr and an exit code, never a traceback."""

from __future__ import annotations

import sys

from inferadb_cli.app import app
from inferadb_management import ApiError, InferaDBError, RateLimitedError

API_ERROR = 1


def message_of(error: InferaDBError) -> str:
    if isinstance(error, RateLimitedError) and error.retry_after is not None:
        return f"{error} (retry after {int(error.retry_after)} s)"
    if isinstance(error, ApiError) and error.request_id:
        return f"{error} [request {error.request_id}]"
    return str(error)


def main(argv: list[str] | None = None) -> int:
    """Run the command; usage errors are Typer's (exit 2), API and CLI refusals one line (exit 1)."""
    try:
        app(args=argv, prog_name="inferadb")
    except SystemExit as exit:
        code = exit.code
        return code if isinstance(code, int) else (0 if code is None else API_ERROR)
    except KeyboardInterrupt:
        return 130
    except InferaDBError as error:
        print(f"error: {' '.join(message_of(error).split())}", file=sys.stderr)
        return API_ERROR
    except OSError as error:
        print(f"error: {error.strerror or error}", file=sys.stderr)
        return API_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
