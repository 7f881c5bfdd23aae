#!/usr/bin/env bash
# ansible-test wants the collection at ansible_collections/lab/openstack: copy the
# tracked files there (no symlink is tracked) and run sanity with empty ignore files.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# ansible-test's own --venv mode downloads a pip bootstrap script from a host these
# machines cannot reach: a plain virtualenv of its own (pip included) does the same job.
venv="$root/.cache/sanity-venv"
core="$("${LAB_VENV:-$root/.venv}/bin/python" -c 'import ansible; print(ansible.__version__)')"
if [ "$("$venv/bin/python" -c 'import ansible; print(ansible.__version__)' 2>/dev/null)" != "$core" ]; then
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q "ansible-core==$core"
fi
# Each sanity test also gets a virtualenv that ansible-test fills with a get-pip script
# from the same unreachable host. Its cache is seeded with a stand-in that runs the pip
# of the virtualenv above: same command line, packages from PyPI.
pip_version="$("$venv/bin/python" -c 'import ansible_test, pathlib, re
text = (pathlib.Path(ansible_test.__file__).parent / "_internal/python_requirements.py").read_text()
print(re.search(r"pip=.([0-9.]+).,", text).group(1))')"
site="$("$venv/bin/python" -c 'import pip, os; print(os.path.dirname(os.path.dirname(pip.__file__)))')"
mkdir -p "$HOME/.ansible/test/cache"
cat > "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py" <<PY
# Stand-in for get-pip.py ${pip_version}, written by lab.openstack's scripts/sanity.sh.
import sys
sys.path.insert(0, "$site")
from pip._internal.cli.main import main
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install"] + args))
PY
# Sanity passes with empty ignore files, or not at all.
for ignore in "$root"/tests/sanity/ignore-*.txt; do
  if [ -s "$ignore" ]; then
    echo "$ignore is not empty: fix the code instead of ignoring a sanity error" >&2
    exit 1
  fi
done
dest="$root/.cache/sanity/ansible_collections/lab/openstack"
rm -rf "$dest"
mkdir -p "$dest"
git -C "$root" ls-files -z --cached --others --exclude-standard | (cd "$root" && rsync -a --from0 --files-from=- ./ "$dest/")
cd "$dest"
git init -q && git add -A >/dev/null
"$venv/bin/ansible-test" sanity --local --requirements --python "$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" "$@"
