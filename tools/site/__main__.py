"""python -m tools.site build | serve (run with .venv-site/bin/python: see the Makefile)."""

import argparse
import sys
from pathlib import Path

from tools.site import CACHE, OUTPUT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.site",
                                     description="The course as a static JupyterLite site.")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the site (dist/site/)")
    build.add_argument("--output", type=Path, default=OUTPUT)
    build.add_argument("--cache", type=Path, default=CACHE)
    build.add_argument("--assessed", action="store_true",
                       help="leave out the lessons to do after assignment 01 (lessons 6 to 8 "
                            "discuss sentences it grades): for a class that has not handed it in")
    serve = commands.add_parser("serve", help="serve the built site on 127.0.0.1")
    serve.add_argument("--output", type=Path, default=OUTPUT)
    serve.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    if args.command == "build":
        from tools.site.build import BuildError
        from tools.site.build import build as run_build
        from tools.site.fetch import FetchError

        try:
            summary = run_build(args.output, args.cache, args.assessed)
        except (FetchError, BuildError) as error:
            print(f"make site: {error}", file=sys.stderr)
            return 2
        print(summary)
        return 0
    from tools.site.serve import make_server

    if not (args.output / "jupyter-lite.json").is_file():
        print(f"No built site in {args.output}: run `make site` first.", file=sys.stderr)
        return 2
    server = make_server(args.output, args.port)
    print(f"Serving {args.output} at http://127.0.0.1:{server.server_address[1]}/lab/index.html "
          "(Ctrl-C stops it)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
