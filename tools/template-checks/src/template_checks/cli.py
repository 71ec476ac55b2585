"""`python -m template_checks [--list-functions]`: runs every check (see `checks`), prints each
problem as `FAIL ...`, exits 1 on any. `--list-functions` only prints the template's function
logical ids (for CI's build check)."""

import argparse

from .checks import ROOT, all_problems, functions, load_templates, packages


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m template_checks", description=__doc__)
    parser.add_argument("--list-functions", action="store_true", help="print the functions' logical ids and exit")
    args = parser.parse_args(argv)
    source, destination = load_templates()
    if args.list_functions:
        print("\n".join(functions(source)))
        return 0
    problems = all_problems(source, destination, (ROOT / "README.md").read_text())
    for p in problems:
        print(f"FAIL {p}")
    if problems:
        return 1
    print(
        f"templates: {len(functions(source))} function(s) for {len(packages())} package(s); least privilege holds; "
        "each function's own settings fed by parameters; README names every parameter"
    )
    return 0
