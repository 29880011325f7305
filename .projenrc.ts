// Pipeline as code: the source of .github/workflows/*.yml, .gitignore, .gitattributes and .projen/.
// Edit this file, then run `npx projen`; a test fails when the committed files differ from what it generates.
import { pathToFileURL } from 'node:url';
import { github, Project, ProjenrcFile, type YamlFile } from 'projen';
import { ACTIONS, baseAndHeadStep, CHECK_ENV, checkoutStep, checkSteps, INSTALL_STEP, NODE_VERSIONS, setupNodeStep } from './tools/scripts/src/pipeline.ts';

type Job = github.workflows.Job;
const { JobPermission } = github.workflows;

/**
 * Where a push to main goes, in order: each environment deploys the digest the one before it deployed, and a
 * GitHub environment of the same name holds its protection rules and its KUBECONFIG secret. The namespace is
 * the one deploy/environments/<name> (the kustomize component every app's overlay lists) sets.
 */
export const ENVIRONMENTS = [
  { name: 'staging', namespace: 'mcp-fleet-staging', url: 'https://staging.example.com' },
  { name: 'production', namespace: 'mcp-fleet', url: 'https://example.com' },
] as const;

// The matrix is the apps job's JSON list; projen types a matrix axis as a list, GitHub takes an expression too.
/**
 * Where images go, and how the image job logs in: GHCR under the repository's owner with the job's own token by
 * default. For another registry, change these three and add its secret to the repository.
 */
const REGISTRY = {
  image: 'ghcr.io/${{ github.repository_owner }}',
  username: '${{ github.actor }}',
  password: '${{ secrets.GITHUB_TOKEN }}',
};

const appMatrix = { failFast: false, matrix: { domain: { app: '${{ fromJSON(needs.apps.outputs.apps) }}' as unknown as string[] } } };

/** Lists the apps to ship: the ones a push changed (nx affected since the last successful deploy), or the dispatch input. */
const appsJob: Job = {
  name: 'Apps to deploy',
  runsOn: ['ubuntu-latest'],
  timeoutMinutes: 15,
  permissions: { contents: JobPermission.READ, actions: JobPermission.READ },
  outputs: { apps: { stepId: 'list', outputName: 'apps' } },
  env: CHECK_ENV,
  steps: [
    checkoutStep({ history: true }),
    setupNodeStep(NODE_VERSIONS[0]),
    baseAndHeadStep,
    INSTALL_STEP,
    {
      id: 'list',
      name: 'List the affected apps',
      run: 'npx tsx tools/scripts/affected-apps.ts --apps "$REQUESTED_APPS" --github-output',
      env: { REQUESTED_APPS: '${{ inputs.apps }}' },
    },
  ],
};

/** Builds and pushes one image per app, once; what it records (image@digest) is what every environment deploys. */
const imageJob: Job = {
  name: 'Image ${{ matrix.app }}',
  needs: ['apps'],
  if: "needs.apps.outputs.apps != '[]'",
  runsOn: ['ubuntu-latest'],
  timeoutMinutes: 30,
  permissions: { contents: JobPermission.READ, packages: JobPermission.WRITE },
  strategy: appMatrix,
  steps: [
    checkoutStep({ history: false }),
    {
      id: 'name',
      name: 'Image name',
      run: [
        // Registries want lower-case names; an owner may have capitals.
        'image=$(printf "%s/%s" "$REGISTRY" "$APP" | tr "[:upper:]" "[:lower:]")',
        'echo "image=$image" >> "$GITHUB_OUTPUT"',
        'echo "registry=${image%%/*}" >> "$GITHUB_OUTPUT"',
      ].join('\n'),
      env: { REGISTRY: REGISTRY.image, APP: '${{ matrix.app }}' },
    },
    { name: 'Set up Docker Buildx', uses: ACTIONS.setupBuildx.uses },
    {
      name: 'Log in to the registry',
      uses: ACTIONS.dockerLogin.uses,
      with: {
        registry: '${{ steps.name.outputs.registry }}',
        username: REGISTRY.username,
        password: REGISTRY.password,
      },
    },
    {
      id: 'build',
      name: 'Build and push',
      uses: ACTIONS.buildPush.uses,
      with: {
        context: '.',
        file: 'deploy/Dockerfile',
        'build-args': 'APP=${{ matrix.app }}',
        push: true,
        tags: '${{ steps.name.outputs.image }}:${{ github.sha }}',
        'cache-from': 'type=registry,ref=${{ steps.name.outputs.image }}:buildcache',
        'cache-to': 'type=registry,ref=${{ steps.name.outputs.image }}:buildcache,mode=max',
        provenance: 'mode=max',
        sbom: true,
      },
    },
    {
      name: 'Record the digest',
      run: 'mkdir -p release && echo "$IMAGE@$DIGEST" > "release/$APP.image" && cat "release/$APP.image"',
      env: { IMAGE: '${{ steps.name.outputs.image }}', DIGEST: '${{ steps.build.outputs.digest }}', APP: '${{ matrix.app }}' },
    },
    {
      name: 'Keep it for the deploy jobs',
      uses: ACTIONS.uploadArtifact.uses,
      with: { name: 'release-${{ matrix.app }}', path: 'release/', 'if-no-files-found': 'error' },
    },
  ],
};

/** Deploys the recorded digest of each app to one environment; deploy.ts rolls a failed rollout back and exits 1. */
function deployJob(environment: (typeof ENVIRONMENTS)[number], needs: string): Job {
  return {
    name: `${environment.name} \${{ matrix.app }}`,
    needs: ['apps', needs],
    runsOn: ['ubuntu-latest'],
    timeoutMinutes: 20,
    // id-token: write lets a cloud's OIDC login replace the KUBECONFIG secret (README: "Cluster credentials").
    permissions: { contents: JobPermission.READ, idToken: JobPermission.WRITE },
    environment: { name: environment.name, url: environment.url },
    // One rollout per app and environment at a time; a newer run waits, and a running deploy is never cancelled.
    concurrency: { group: `deploy-${environment.name}-\${{ matrix.app }}`, 'cancel-in-progress': false },
    strategy: appMatrix,
    steps: [
      checkoutStep({ history: false }),
      setupNodeStep(NODE_VERSIONS[0]),
      INSTALL_STEP,
      { name: 'The digest to deploy', uses: ACTIONS.downloadArtifact.uses, with: { name: 'release-${{ matrix.app }}', path: 'release' } },
      {
        name: 'Cluster credentials',
        run: [
          'if [ -z "$KUBECONFIG_BASE64" ]; then',
          '  echo "::error title=No cluster credentials::Set the KUBECONFIG secret (base64 of a kubeconfig) on the $ENVIRONMENT environment, or replace this step with an OIDC login (README: Cluster credentials)"',
          '  exit 1',
          'fi',
          'umask 077',
          'printf "%s" "$KUBECONFIG_BASE64" | base64 -d > "$RUNNER_TEMP/kubeconfig"',
          'echo "KUBECONFIG=$RUNNER_TEMP/kubeconfig" >> "$GITHUB_ENV"',
        ].join('\n'),
        env: { KUBECONFIG_BASE64: '${{ secrets.KUBECONFIG }}', ENVIRONMENT: environment.name },
      },
      {
        id: 'deploy',
        name: 'Deploy, rolled back if the rollout fails',
        run: 'npx tsx tools/scripts/deploy.ts --namespace "$NAMESPACE" --app "$APP" --image "$(cat "release/$APP.image")" --summary "$GITHUB_STEP_SUMMARY"',
        env: { NAMESPACE: environment.namespace, APP: '${{ matrix.app }}' },
      },
    ],
  };
}

/** projen renders YAML from plain objects, which hold no comments; this writes each pinned action's tag beside its sha. */
function commentActionVersions(file: YamlFile): void {
  const versions = new Map<string, string>(Object.values(ACTIONS).map((action) => [action.uses, action.version]));
  const rendered = file as unknown as { synthesizeContent(resolver: unknown): string | undefined };
  const render = rendered.synthesizeContent.bind(rendered);
  rendered.synthesizeContent = (resolver) =>
    render(resolver)?.replace(/^(\s*(?:- )?uses: )(\S+)$/gm, (line, _key, uses: string) => (versions.has(uses) ? `${line} # ${versions.get(uses)}` : line));
}

/** `npx projen` runs this file (the default task); projen's generated-file marker names it as the file to edit. */
class ProjenrcTsx extends ProjenrcFile {
  readonly filePath = '.projenrc.ts';
  constructor(project: Project) {
    super(project);
    project.defaultTask?.exec('tsx .projenrc.ts');
  }
}

/** Writes every file projen owns into `outdir` (the workspace root when run as `npx projen`). */
export function synthesize(outdir: string): void {
  const project = new Project({ name: 'mcp-fleet', outdir, commitGenerated: true });
  // A bare Project comes with empty build tasks; Nx runs this workspace's tasks, so projen keeps only "default".
  for (const task of ['build', 'pre-compile', 'compile', 'post-compile', 'test', 'package']) project.tasks.removeTask(task);
  new ProjenrcTsx(project);
  project.gitignore.exclude('node_modules/', 'dist/', 'coverage/', '.nx/', '.data/', '*.log', '.env', 'release/');
  const gh = new github.GitHub(project, { mergify: false, pullRequestLint: false, workflows: true });

  // A newer push to the same branch or pull request makes an older check run pointless.
  const ci = new github.GithubWorkflow(gh, 'ci', { limitConcurrency: true, concurrencyOptions: { group: 'ci-${{ github.ref }}', cancelInProgress: true } });
  ci.on({ pullRequest: {}, push: { branches: ['main'] }, workflowDispatch: {} });
  ci.file?.addOverride('permissions', 'read-all');
  ci.addJob('check', {
    name: 'lint, typecheck, test, build (Node ${{ matrix.node }})',
    runsOn: ['ubuntu-latest'],
    timeoutMinutes: 45,
    permissions: { contents: JobPermission.READ, actions: JobPermission.READ },
    strategy: { failFast: false, matrix: { domain: { node: [...NODE_VERSIONS] } } },
    // The storage and e2e tests run against a real PostgreSQL as well as PGlite when DATABASE_URL is set.
    services: {
      postgres: {
        image: 'postgres:16',
        env: { POSTGRES_USER: 'mcp_fleet_ci', POSTGRES_PASSWORD: 'mcp_fleet_ci', POSTGRES_DB: 'mcp_fleet_ci' },
        // GitHub takes host:container, so the tests find PostgreSQL on 5432; projen types a port as a number.
        ports: ['5432:5432'] as unknown as number[],
        // GitHub takes one string of `docker create` flags; projen types it as a list, so the one string is cast.
        options: '--health-cmd "pg_isready -U mcp_fleet_ci" --health-interval 5s --health-timeout 5s --health-retries 20' as unknown as string[],
      },
    },
    env: { ...CHECK_ENV, DATABASE_URL: 'postgres://mcp_fleet_ci:mcp_fleet_ci@127.0.0.1:5432/mcp_fleet_ci' },
    steps: checkSteps('${{ matrix.node }}'),
  });

  const deploy = new github.GithubWorkflow(gh, 'deploy');
  deploy.on({
    push: { branches: ['main'] },
    workflowDispatch: { inputs: { apps: { description: 'Apps to deploy, comma-separated (empty: the apps changed since the last successful deploy)', required: false, type: 'string' } } },
  });
  deploy.file?.addOverride('permissions', 'read-all');
  deploy.addJobs({ apps: appsJob, image: imageJob });
  ENVIRONMENTS.forEach((environment, index) => deploy.addJob(environment.name, deployJob(environment, index === 0 ? 'image' : ENVIRONMENTS[index - 1]!.name)));

  for (const workflow of [ci, deploy]) if (workflow.file) commentActionVersions(workflow.file);
  // GitHub folds generated files in diffs and leaves them out of language statistics.
  for (const file of project.files) project.gitattributes.addAttributes(`/${file.path}`, 'linguist-generated');
  project.synth();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) synthesize(process.cwd());
