/**
 * Which stacks a change touches, for the pull-request preview and the deploy on merge. One stack
 * per `Pulumi.<stack>.yaml`: a changed stack file previews that stack; a change to anything the
 * program, its packages or the policy pack may read previews every stack.
 */

/** The stack a `Pulumi.<stack>.yaml` (or `.yml`) at the repository root configures. */
export function stackOfConfigFile(path: string): string | undefined {
    const match = /^Pulumi\.(.+)\.ya?ml$/.exec(path);
    return match ? match[1] : undefined;
}

/** Stack names from the file names at the repository root, sorted. */
export function listStacks(rootFiles: readonly string[]): string[] {
    return rootFiles
        .map(stackOfConfigFile)
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

/**
 * Files that cannot change what any stack deploys: docs, tests, lint and format settings, and
 * the developer tooling that builds the CLI or starts a local API server. Everything else is
 * treated as code, so a new folder is previewed until it is listed here. The workflows, their
 * local actions and `scripts/ci/` run the previews and deploys, so they count as code.
 */
const notDeployed: readonly RegExp[] = [
    /\.md$/,
    /^test\//,
    /^scripts\/(?!ci\/)/,
    /^tools\//,
    /^\.ci\//,
    /^\.github\/(?!workflows\/|actions\/)/,
    /^(LICENSE|\.gitignore|\.prettierignore|\.prettierrc\.json|eslint\.config\.mjs)$/,
];

/** A stack to preview or deploy and why it was picked. */
export interface StackSelection {
    readonly stack: string;
    readonly reason: string;
}

/** The stacks that `changedFiles` (paths from the repository root) affect, in stack order. */
export function selectStacks(
    changedFiles: readonly string[],
    stacks: readonly string[],
): StackSelection[] {
    const code = changedFiles.find(
        (file) => stackOfConfigFile(file) === undefined && !notDeployed.some((p) => p.test(file)),
    );
    if (code !== undefined) {
        return stacks.map((stack) => ({ stack, reason: `${code} changed (code or packages)` }));
    }
    return stacks
        .filter((stack) => changedFiles.some((file) => stackOfConfigFile(file) === stack))
        .map((stack) => ({ stack, reason: "its stack config changed" }));
}

/**
 * The GitHub Actions secret holding a stack's kubeconfig: `KUBECONFIG_` and the stack name in
 * upper case, other characters as `_` (secret names allow only letters, digits and `_`).
 */
export function kubeconfigSecretName(stack: string): string {
    return `KUBECONFIG_${stack.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** One leg of the workflow matrix. */
export interface MatrixEntry {
    /** Stack name as in `Pulumi.<stack>.yaml`; also the name of its GitHub environment. */
    readonly stack: string;
    /** The name the Pulumi CLI selects: `org/stack` on Pulumi Cloud with an organisation. */
    readonly pulumiStack: string;
    readonly kubeconfigSecret: string;
}

/** The matrix legs; `org` (the PULUMI_ORG variable) qualifies the Pulumi stack names. */
export function matrixOf(selection: readonly StackSelection[], org = ""): MatrixEntry[] {
    return selection.map(({ stack }) => ({
        stack,
        pulumiStack: org === "" ? stack : `${org}/${stack}`,
        kubeconfigSecret: kubeconfigSecretName(stack),
    }));
}
