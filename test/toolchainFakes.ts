/**
 * STAND-INS for the toolchain's built binaries, so that scripts/toolchain.sh, its archive and
 * scripts/demo.sh run for real in seconds: each component of `calico_ad_components`
 * (scripts/env.sh) gets its directory with a stamp and small shell scripts in place of the
 * binaries. The stand-in `pulumi` answers `version` with the pinned version, keeps the plugins
 * `pulumi plugin install` registers in a JSON file and lists them for `plugin ls --json`, and
 * appends every call to $FAKE_PULUMI_LOG; the Kubernetes stand-ins print their version.
 */
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "./helpers";

/** PATH without Go: the scripts may only build nothing. Node (and npm) stay reachable. */
export const pathWithoutGo = [path.dirname(process.execPath), "/usr/bin", "/bin"].join(":");

/** Environment for the scripts: a scratch HOME and cache, the Pulumi CLI built here, no Go. */
export function scriptEnv(
    scratch: string,
    cache: string,
    extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
    return {
        PATH: pathWithoutGo,
        HOME: scratch,
        CALICO_AD_CACHE: cache,
        CALICO_AD_USE_INSTALLED_PULUMI: "0",
        CALICO_AD_BUILD_KUBECTL: "1",
        FAKE_PULUMI_LOG: path.join(scratch, "pulumi-calls.log"),
        ...extra,
    };
}

/** Runs a script of the checkout with bash. */
export function bash(args: string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
    return spawnSync("bash", args, { cwd: repoRoot, env, encoding: "utf8" });
}

/** NAME -> directory of every toolchain component, as scripts/env.sh computes them for `env`. */
export function componentDirs(env: NodeJS.ProcessEnv): Map<string, string> {
    const listed = bash(["-c", "source scripts/env.sh && calico_ad_components"], env);
    if (listed.status !== 0) {
        throw new Error(listed.stderr);
    }
    return new Map(
        listed.stdout
            .trim()
            .split("\n")
            .map((line) => line.split(" ") as [string, string]),
    );
}

const fakePulumi = `#!/bin/sh
# STAND-IN for the Pulumi CLI (toolchain script tests)
echo "$*" >>"$FAKE_PULUMI_LOG"
plugins="$FAKE_PULUMI_LOG.plugins.json"
case "$1 $2" in
  "version "*) echo v3.248.0 ;;
  "plugin ls") if [ "$3" = --json ]; then cat "$plugins" 2>/dev/null || echo '[]'; fi ;;
  "plugin install")
    known="$(cat "$plugins" 2>/dev/null || echo '[]')"
    echo "$known" | jq -c --arg n "$4" --arg v "$5" '. + [{name: $n, kind: "resource", version: $v}]' >"$plugins" ;;
esac
exit 0
`;

/** Binaries of each component, as scripts/toolchain.sh checks them; unknown components get one. */
const binaries: Record<string, Record<string, string>> = {
    pulumi: { pulumi: fakePulumi, "pulumi-language-nodejs": "#!/bin/sh\n" },
    "kubernetes-provider": { "pulumi-resource-kubernetes": "#!/bin/sh\n" },
    "command-provider": { "pulumi-resource-command": "#!/bin/sh\n" },
    kubernetes: {
        "kube-apiserver": "#!/bin/sh\necho Kubernetes v1.37.2\n",
        etcd: "#!/bin/sh\necho etcd stand-in\n",
        kubelet: "#!/bin/sh\necho kubelet stand-in\n",
        "kube-scheduler": "#!/bin/sh\necho kube-scheduler stand-in\n",
        "kube-controller-manager": "#!/bin/sh\necho kube-controller-manager stand-in\n",
        kubectl: "#!/bin/sh\necho kubectl stand-in\n",
    },
};

/** Installs stand-ins for the named components (default: all) where env's cache expects them. */
export function fakeComponents(env: NodeJS.ProcessEnv, only?: string[]): Map<string, string> {
    const dirs = componentDirs(env);
    for (const [name, dir] of dirs) {
        if (only && !only.includes(name)) {
            continue;
        }
        fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
        fs.writeFileSync(path.join(dir, "stamp"), `${name} stand-in\n`);
        for (const [bin, text] of Object.entries(binaries[name] ?? { [name]: "#!/bin/sh\n" })) {
            fs.writeFileSync(path.join(dir, "bin", bin), text, { mode: 0o755 });
        }
    }
    return dirs;
}
