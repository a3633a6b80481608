#!/usr/bin/env bash
# CI: the server-module generator's output passes lint (module boundaries included), unit tests and
# a typecheck. It generates into a scratch copy of the workspace (tracked and untracked, not ignored,
# files; node_modules symlinked), never into this checkout, and removes the copy afterwards.
#
#   bash tools/ci/check-generator.sh          (also: npx nx run workspace-plugin:check-generator)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=true NX_INTERACTIVE=false CI=true
name=gen-probe
scratch="$(mktemp -d "${TMPDIR:-/tmp}/sentinel-generator-XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

cd "$root"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -xf - -C "$scratch"
ln -s "$root/node_modules" "$scratch/node_modules"
cd "$scratch"

echo "== generate libs/server/$name"
npx nx g @sentinel/tools:server-module "$name" --no-interactive
test -f "libs/server/$name/project.json"
test -f "apps/sentinel-e2e/src/$name/$name.e2e.ts"
grep -q "\"@sentinel/server-$name\"" tsconfig.base.json

echo "== lint, test, typecheck server-$name"
npx nx run-many -t lint test typecheck -p "server-$name" --outputStyle=static
echo "== lint and typecheck the e2e stub"
npx eslint "apps/sentinel-e2e/src/$name"
cat > apps/sentinel-e2e/tsconfig.gen-check.json <<JSON
{ "extends": "./tsconfig.spec.json", "include": ["src/$name/**/*.ts"] }
JSON
npx tsc -p apps/sentinel-e2e/tsconfig.gen-check.json --noEmit

echo "== the boundaries apply to it: a server module importing console code is refused"
cat > "libs/server/$name/src/lib/boundary-probe.ts" <<'TS'
import { toParams } from '@sentinel/admin-client';
export const probe = toParams;
TS
if out=$(npx eslint "libs/server/$name/src/lib/boundary-probe.ts" 2>&1); then
  echo "expected @nx/enforce-module-boundaries to refuse scope:server -> scope:console"; exit 1
fi
grep -q "enforce-module-boundaries" <<<"$out" || { echo "$out"; exit 1; }
echo "generator check passed (scratch copy removed)"
