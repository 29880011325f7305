// Pipeline as code: the source of .github/workflows/*.yml, .gitignore, .gitattributes and .projen/ (projen's
// projenrc/ layout: .projenrc.ts at the root only calls synthesize). Edit this file, then run `npx projen`; a test
// fails when the committed files differ from what it generates.
import { github, Project, ProjenrcFile, type YamlFile } from 'projen';
import { ACTIONS, affectedJobStart, CHECK_ENV, checkoutStep, CI_TARGETS, INSTALL_STEP, NODE_VERSIONS, setupNodeStep } from './pipeline';

type Job = github.workflows.Job;
type Step = github.workflows.JobStep;
const { JobPermission } = github.workflows;

/**
 * Where a push to main goes, in order: each environment deploys the digest the one before it deployed, and a
 * GitHub environment of the same name holds its protection rules and its KUBECONFIG secret. The namespace is
 * the one deploy/environments/<name> (the kustomize component every app's overlay lists) sets. The strategy is
 * deploy.ts's: production takes a canary judged on its own traffic first (docs/deploy.md: "Canary releases"), staging's
 * little traffic could not judge one. An app that ships as a function (mcpFleet.lambda) is deployed to each
 * environment's AWS account and region by `cdk deploy`, its own CodeDeploy canary rolling it back (docs/functions.md: "Ship an
 * app as a function").
 */
export const ENVIRONMENTS = [
  { name: 'staging', namespace: 'mcp-fleet-staging', url: 'https://staging.example.com', strategy: 'rolling', awsRegion: 'us-east-1' },
  { name: 'production', namespace: 'mcp-fleet', url: 'https://example.com', strategy: 'canary', awsRegion: 'us-east-1' },
] as const;

/**
 * How ci.yml spreads a run: the affected tasks go into at most `count` shards (runners) balanced by the last
 * run on main, each shard running `parallel` tasks at a time. A shard gets at least `minShardSeconds` of task
 * time (60: at 2 tasks at a time, about the half-minute a runner spends on checkout and npm ci), so small
 * changes use fewer runners. docs/pipeline.md: "Choosing N".
 */
export const CI_SHARDS = { count: 4, minShardSeconds: 60, parallel: 2 } as const;

/** Where the plan job finds the task durations of the last run on main, and the summary job leaves the new ones. */
const DURATIONS = { path: '.nx/ci-durations.json', key: 'ci-durations-${{ github.sha }}', restoreKeys: 'ci-durations-' };

// The storage and e2e tests run against a real PostgreSQL as well as PGlite when DATABASE_URL is set.
const postgresService = {
  image: 'postgres:16',
  env: { POSTGRES_USER: 'mcp_fleet_ci', POSTGRES_PASSWORD: 'mcp_fleet_ci', POSTGRES_DB: 'mcp_fleet_ci' },
  // GitHub takes host:container, so the tests find PostgreSQL on 5432; projen types a port as a number.
  ports: ['5432:5432'] as unknown as number[],
  // GitHub takes one string of `docker create` flags; projen types it as a list, so the one string is cast.
  options: '--health-cmd "pg_isready -U mcp_fleet_ci" --health-interval 5s --health-timeout 5s --health-retries 20' as unknown as string[],
};

// Every script step runs `node --import tsx tools/<tool>/…`: one process, where `npx tsx` would start npm and
// then two Node processes.

/** A push to main: the only event whose steps may hold a secret that writes what later runs trust. */
const ON_MAIN = "github.event_name == 'push' && github.ref == 'refs/heads/main'";

/**
 * A job that works on what changed since NX_BASE (full history, nx-set-shas): read-only, with the check
 * environment, its one output a step's. The plan job and the affected-apps jobs are such jobs.
 */
function affectedJob(name: string, output: { names: string[]; stepId: string }, steps: Step[], condition?: string): Job {
  return {
    name,
    ...(condition ? { if: condition } : {}),
    runsOn: ['ubuntu-latest'],
    timeoutMinutes: 15,
    permissions: { contents: JobPermission.READ, actions: JobPermission.READ },
    outputs: Object.fromEntries(output.names.map((outputName) => [outputName, { stepId: output.stepId, outputName }])),
    env: CHECK_ENV,
    steps: [...affectedJobStart(), ...steps],
  };
}

/** Lists the affected tasks and splits them into shards; its output is the shard job's matrix. */
const planJob: Job = affectedJob('Plan: affected tasks into shards', { names: ['shards'], stepId: 'plan' }, [
  {
    name: 'The task durations of the last run on main',
    uses: ACTIONS.cacheRestore.uses,
    with: { path: DURATIONS.path, key: DURATIONS.key, 'restore-keys': DURATIONS.restoreKeys },
  },
  INSTALL_STEP,
  {
    id: 'plan',
    name: 'Split the affected tasks into shards',
    run: `node --import tsx tools/ci/ci-plan.ts --shards ${CI_SHARDS.count} --min-shard-seconds ${CI_SHARDS.minShardSeconds} --durations ${DURATIONS.path} --github-output`,
  },
]);

/** The name a shard's results go by, as an artifact and as a folder of the summary job. */
const SHARD_NAME = 'shard-${{ matrix.shard.index }}-node${{ matrix.node }}';

const NX_CACHE_SERVER = 'node --import tsx tools/nx-cache/nx-cache-server.ts --store github --detach --github-env "$GITHUB_ENV"';

/** Runs one shard's projects on one Node version, with the Nx remote cache, and keeps its results for the summary. */
const shardJob: Job = {
  name: 'Shard ${{ matrix.shard.index }} (Node ${{ matrix.node }})',
  needs: ['plan'],
  if: "needs.plan.outputs.shards != '[]'",
  runsOn: ['ubuntu-latest'],
  timeoutMinutes: 45,
  permissions: { contents: JobPermission.READ, actions: JobPermission.READ },
  strategy: {
    failFast: false,
    matrix: { domain: { node: [...NODE_VERSIONS], shard: '${{ fromJSON(needs.plan.outputs.shards) }}' as unknown as string[] } },
  },
  services: { postgres: postgresService },
  env: { ...CHECK_ENV, DATABASE_URL: 'postgres://mcp_fleet_ci:mcp_fleet_ci@127.0.0.1:5432/mcp_fleet_ci' },
  steps: [
    checkoutStep({ history: false }),
    setupNodeStep('${{ matrix.node }}'),
    INSTALL_STEP,
    {
      // GitHub gives the cache service's URL and token to actions only; this hands exactly those to the server.
      name: 'Expose the Actions cache service to the Nx cache server',
      uses: ACTIONS.githubScript.uses,
      with: {
        script: [
          "for (const name of ['ACTIONS_RESULTS_URL', 'ACTIONS_CACHE_URL', 'ACTIONS_RUNTIME_TOKEN', 'ACTIONS_CACHE_SERVICE_V2']) {",
          '  if (process.env[name]) core.exportVariable(name, process.env[name]);',
          '}',
        ].join('\n'),
      },
    },
    // Two steps, one of which runs: the write token is handed out by the workflow, on a push to main only, so no step
    // a pull request runs has it, whatever the code under review does with its environment.
    {
      id: 'nx-cache',
      name: 'Nx remote cache, read-only: a loopback server over the Actions cache, or your own (secrets.NX_CACHE_URL)',
      if: `!(${ON_MAIN})`,
      run: NX_CACHE_SERVER,
      env: { NX_CACHE_URL: '${{ secrets.NX_CACHE_URL }}', NX_CACHE_READ_TOKEN: '${{ secrets.NX_CACHE_READ_TOKEN }}' },
    },
    {
      id: 'nx-cache-writer',
      name: 'Nx remote cache, read-write (a push to main fills it)',
      if: ON_MAIN,
      run: NX_CACHE_SERVER,
      env: {
        NX_CACHE_URL: '${{ secrets.NX_CACHE_URL }}',
        NX_CACHE_READ_TOKEN: '${{ secrets.NX_CACHE_READ_TOKEN }}',
        NX_CACHE_WRITE_TOKEN: '${{ secrets.NX_CACHE_WRITE_TOKEN }}',
      },
    },
    {
      id: 'shard',
      name: "Lint, type-check, test (coverage gates) and build this shard's projects",
      run: `node tools/ci/task-cpu/record.mjs npx nx run-many -t ${CI_TARGETS.join(' ')} -p "$PROJECTS" --parallel=${CI_SHARDS.parallel} --output-style=stream-without-prefixes`,
      env: { PROJECTS: '${{ matrix.shard.projects }}' },
    },
    {
      name: "Keep this shard's results and timings for the summary",
      if: 'always()',
      // The workspace's own layout under ci-shards/<name>, without the raw V8 coverage the gates already read.
      run: [
        'dest="ci-shards/$SHARD_NAME"',
        'mkdir -p "$dest"',
        'for path in apps/*/coverage libs/*/coverage tools/*/coverage .nx/task-cpu .nx/cache/run.json; do',
        '  if [ -e "$path" ]; then mkdir -p "$dest/$(dirname "$path")" && cp -r "$path" "$dest/$path"; fi',
        'done',
        'rm -rf "$dest"/*/*/coverage/e2e-raw',
      ].join('\n'),
      env: { SHARD_NAME },
    },
    {
      name: 'Upload them',
      if: 'always()',
      uses: ACTIONS.uploadArtifact.uses,
      with: { name: SHARD_NAME, path: `ci-shards/${SHARD_NAME}/`, 'include-hidden-files': true, 'if-no-files-found': 'ignore' },
    },
  ],
};

/** Gathers every shard's tests, coverage and cost into one job summary; the one check a branch rule needs. */
const summaryJob: Job = {
  name: 'Summary: tests, coverage, cost',
  needs: ['plan', 'shard'],
  if: 'always()',
  runsOn: ['ubuntu-latest'],
  timeoutMinutes: 15,
  permissions: { contents: JobPermission.READ, actions: JobPermission.READ },
  steps: [
    checkoutStep({ history: false }),
    setupNodeStep(NODE_VERSIONS[0]),
    INSTALL_STEP,
    { name: "Every shard's results", uses: ACTIONS.downloadArtifact.uses, with: { pattern: 'shard-*', path: 'ci-shards' } },
    {
      name: 'Tests and coverage in the job summary',
      run: 'node --import tsx tools/ci/test-summary.ts --markdown ci-shards/* >> "$GITHUB_STEP_SUMMARY"',
    },
    {
      name: 'CPU and time per project, task and test file',
      run: 'node --import tsx tools/ci/test-cost.ts --markdown ci-shards/* >> "$GITHUB_STEP_SUMMARY"',
    },
    {
      name: 'Durations for the next plan (pushes to main)',
      if: ON_MAIN,
      run: `node --import tsx tools/ci/ci-plan.ts record --durations ${DURATIONS.path} ci-shards/*`,
    },
    {
      name: 'Keep them',
      if: ON_MAIN,
      uses: ACTIONS.cacheSave.uses,
      with: { path: DURATIONS.path, key: DURATIONS.key },
    },
    {
      name: 'Every shard passed',
      run: [
        'if [ "$PLAN" != success ]; then echo "::error title=CI plan failed::the plan job ended $PLAN"; exit 1; fi',
        'if [ "$SHARDS" != success ] && [ "$SHARDS" != skipped ]; then echo "::error title=A shard failed::see the shard jobs above"; exit 1; fi',
        'echo "plan: $PLAN, shards: $SHARDS"',
      ].join('\n'),
      env: { PLAN: '${{ needs.plan.result }}', SHARDS: '${{ needs.shard.result }}' },
    },
  ],
};

/**
 * A job whose outputs (JSON lists, the matrices of the jobs after it) are the apps affected since NX_BASE:
 * changed themselves, through a library they use, or through the shared Dockerfile (an input of every app's image);
 * `apps` those on Kubernetes, `functions` those that ship as a Lambda function.
 */
function affectedAppsJob(name: string, condition: string | undefined, list: { args: string; env?: Record<string, string> }): Job {
  const listStep = {
    id: 'list',
    name: 'List the affected apps',
    run: `node --import tsx tools/ci/affected-apps.ts ${list.args}`,
    ...(list.env ? { env: list.env } : {}),
  };
  return affectedJob(name, { names: ['apps', 'functions'], stepId: 'list' }, [INSTALL_STEP, listStep], condition);
}

/** Pull requests: the apps whose image the change touches. */
const imagesJob = affectedAppsJob('Images to build and smoke-test', "github.event_name == 'pull_request'", { args: '--github-output' });

/** The image a pull request would ship, per app: built (not pushed), then run as production runs it, and asked MCP questions. */
const imageSmokeJob: Job = {
  name: 'Image ${{ matrix.app }}: build and smoke test',
  needs: ['images'],
  if: "needs.images.outputs.apps != '[]'",
  runsOn: ['ubuntu-latest'],
  timeoutMinutes: 30,
  permissions: { contents: JobPermission.READ },
  strategy: { failFast: false, matrix: { domain: { app: '${{ fromJSON(needs.images.outputs.apps) }}' as unknown as string[] } } },
  // The database an app on PostgreSQL (documents) starts against, as in production.
  services: { postgres: postgresService },
  env: { IMAGE: 'mcp-fleet/${{ matrix.app }}:pr-${{ github.sha }}', APP: '${{ matrix.app }}' },
  steps: [
    checkoutStep({ history: false }),
    setupNodeStep(NODE_VERSIONS[0]),
    INSTALL_STEP,
    { name: 'Set up Docker Buildx', uses: ACTIONS.setupBuildx.uses },
    {
      name: 'Build the image (not pushed)',
      uses: ACTIONS.buildPush.uses,
      with: {
        context: '.',
        file: 'deploy/Dockerfile',
        'build-args': 'APP=${{ matrix.app }}',
        push: false,
        load: true,
        tags: '${{ env.IMAGE }}',
        'cache-from': 'type=gha,scope=image-${{ matrix.app }}',
        'cache-to': 'type=gha,scope=image-${{ matrix.app }},mode=max',
      },
    },
    {
      name: 'Its environment, as production gives it (secrets as throwaway values, the database the service above)',
      run: 'npx mcp-fleet-smoke env --app "$APP" --database-url "$DATABASE_URL" --output "$RUNNER_TEMP/app.env"',
      env: { DATABASE_URL: 'postgres://mcp_fleet_ci:mcp_fleet_ci@127.0.0.1:5432/mcp_fleet_ci' },
    },
    {
      name: 'Run it as the unprivileged user, with a read-only root and no capabilities',
      run: 'docker run --detach --name smoke --network host --read-only --tmpfs /tmp --user 1000:1000 --cap-drop ALL --security-opt no-new-privileges --env-file "$RUNNER_TEMP/app.env" "$IMAGE"',
    },
    {
      name: 'Smoke test: HEALTHCHECK healthy, /readyz, initialize and tools/list; its size to the summary',
      run: 'npx mcp-fleet-smoke check --app "$APP" --url http://127.0.0.1:8080/mcp --container smoke --summary "$GITHUB_STEP_SUMMARY"',
    },
    { name: 'Remove it', if: 'always()', run: 'docker rm --force smoke || true' },
  ],
};

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

/**
 * Lists the apps to ship: the ones a push changed (nx affected since the last successful deploy), or the dispatch
 * input. Only from main: a dispatch on another branch deploys nothing, as every later job needs this one.
 */
const appsJob = affectedAppsJob('Apps to deploy', "github.ref == 'refs/heads/main'", {
  args: '--apps "$REQUESTED_APPS" --github-output',
  env: { REQUESTED_APPS: '${{ inputs.apps }}' },
});

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
    // A canary bakes for up to --canary-max-intervals (10 x 1 min by default) before its rollout.
    timeoutMinutes: environment.strategy === 'canary' ? 45 : 20,
    // Add idToken: JobPermission.WRITE with a cloud's OIDC login in place of the KUBECONFIG secret (docs/pipeline.md: "Cluster credentials").
    permissions: { contents: JobPermission.READ },
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
          '  echo "::error title=No cluster credentials::Set the KUBECONFIG secret (base64 of a kubeconfig) on the $ENVIRONMENT environment, or replace this step with an OIDC login (docs/pipeline.md: Cluster credentials)"',
          '  exit 1',
          'fi',
          'umask 077',
          'printf "%s" "$KUBECONFIG_BASE64" | base64 -d > "$RUNNER_TEMP/kubeconfig"',
          'echo "KUBECONFIG=$RUNNER_TEMP/kubeconfig" >> "$GITHUB_ENV"',
        ].join('\n'),
        env: { KUBECONFIG_BASE64: '${{ secrets.KUBECONFIG }}', ENVIRONMENT: environment.name },
      },
      environment.strategy === 'canary'
        ? {
            id: 'deploy',
            name: 'Canary, then deploy if it passes; rolled back if the rollout fails',
            run: 'node --import tsx tools/deploy/deploy.ts --namespace "$NAMESPACE" --app "$APP" --image "$(cat "release/$APP.image")" --summary "$GITHUB_STEP_SUMMARY" --strategy canary --prometheus-url "$PROMETHEUS_URL"',
            // Each app tunes its canary in its package.json (mcpFleet.canary). The environment's PROMETHEUS_URL
            // secret (it may carry credentials) points at its Prometheus; unset, the pods' /metrics are read.
            env: { NAMESPACE: environment.namespace, APP: '${{ matrix.app }}', PROMETHEUS_URL: '${{ secrets.PROMETHEUS_URL }}' },
          }
        : {
            id: 'deploy',
            name: 'Deploy, rolled back if the rollout fails',
            run: 'node --import tsx tools/deploy/deploy.ts --namespace "$NAMESPACE" --app "$APP" --image "$(cat "release/$APP.image")" --summary "$GITHUB_STEP_SUMMARY"',
            env: { NAMESPACE: environment.namespace, APP: '${{ matrix.app }}' },
          },
      {
        // GitHub stops a cancelled job with SIGINT, then SIGTERM 7.5 s later, then SIGKILL: deploy.ts deletes its
        // canary at the first, but a job killed outright (or a lost runner) would leave it serving. Only this run's.
        id: 'cleanup',
        name: 'After a cancelled or failed deploy: delete the canary and the lock this run holds, if any',
        if: 'cancelled() || failure()',
        run: 'node --import tsx tools/deploy/deploy.ts --cleanup --namespace "$NAMESPACE" --app "$APP"',
        env: { NAMESPACE: environment.namespace, APP: '${{ matrix.app }}' },
      },
      {
        // Off until the environment has an MCP_REGISTRY_URL secret; docs/authorization.md: "server.json and publishing".
        id: 'publish',
        name: "Publish the app's server.json to the environment's MCP registry, if it has one",
        run: 'node --import tsx tools/deploy/publish-server.ts --app "$APP" --environment "$ENVIRONMENT"',
        env: {
          APP: '${{ matrix.app }}',
          ENVIRONMENT: environment.name,
          MCP_REGISTRY_URL: '${{ secrets.MCP_REGISTRY_URL }}',
          MCP_REGISTRY_TOKEN: '${{ secrets.MCP_REGISTRY_TOKEN }}',
        },
      },
    ],
  };
}

const functionMatrix = {
  failFast: false,
  matrix: { domain: { app: '${{ fromJSON(needs.apps.outputs.functions) }}' as unknown as string[] } },
};

/**
 * Deploys each app that ships as a function to one environment with `cdk deploy` (tools/lambda-stack). CloudFormation
 * hands the `live` alias to CodeDeploy, which shifts it as a canary and rolls it back when an alarm fires; the
 * stack update then fails, and so does this job. Credentials by OIDC: a role to assume, no stored keys.
 */
function functionJob(environment: (typeof ENVIRONMENTS)[number], needs?: string): Job {
  return {
    name: `${environment.name} function \${{ matrix.app }}`,
    needs: ['apps', ...(needs ? [needs] : [])],
    if: "needs.apps.outputs.functions != '[]'",
    runsOn: ['ubuntu-latest'],
    // CloudFormation waits for the canary: its minutes (mcpFleet.lambda.canaryMinutes, 5 by default), then the rest.
    timeoutMinutes: 60,
    permissions: { contents: JobPermission.READ, idToken: JobPermission.WRITE },
    environment: { name: environment.name, url: environment.url },
    concurrency: { group: `deploy-function-${environment.name}-\${{ matrix.app }}`, 'cancel-in-progress': false },
    strategy: functionMatrix,
    steps: [
      checkoutStep({ history: false }),
      setupNodeStep(NODE_VERSIONS[0]),
      INSTALL_STEP,
      {
        name: 'AWS role',
        run: [
          'if [ -z "$ROLE" ]; then',
          '  echo "::error title=No AWS role::Set the AWS_DEPLOY_ROLE_ARN secret on the $ENVIRONMENT environment: a role this repository may assume by OIDC (docs/functions.md: Ship an app as a function)"',
          '  exit 1',
          'fi',
        ].join('\n'),
        env: { ROLE: '${{ secrets.AWS_DEPLOY_ROLE_ARN }}', ENVIRONMENT: environment.name },
      },
      {
        name: 'AWS credentials by OIDC',
        uses: ACTIONS.awsCredentials.uses,
        with: { 'role-to-assume': '${{ secrets.AWS_DEPLOY_ROLE_ARN }}', 'aws-region': environment.awsRegion },
      },
      { name: 'Bundle the function', run: 'npx nx run "$APP:build-lambda"', env: { APP: '${{ matrix.app }}' } },
      {
        name: 'Deploy; CodeDeploy shifts live as a canary and rolls it back on an alarm',
        run: `npx cdk deploy --require-approval never --no-notices --progress events -c app="$APP" -c environment=${environment.name}`,
        workingDirectory: 'tools/lambda-stack',
        env: { APP: '${{ matrix.app }}' },
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
    render(resolver)?.replace(/^(\s*(?:- )?uses: )(\S+)$/gm, (line, _key, uses: string) =>
      versions.has(uses) ? `${line} # ${versions.get(uses)}` : line,
    );
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
  project.gitignore.exclude('node_modules/', 'dist/', 'coverage/', '.nx/', '.data/', '*.log', '.env', 'release/', 'ci-shards/', 'cdk.out/');
  const gh = new github.GitHub(project, { mergify: false, pullRequestLint: false, workflows: true });

  // A newer push to the same branch or pull request makes an older check run pointless.
  const ci = new github.GithubWorkflow(gh, 'ci', {
    limitConcurrency: true,
    concurrencyOptions: { group: 'ci-${{ github.ref }}', cancelInProgress: true },
  });
  ci.on({ pullRequest: {}, push: { branches: ['main'] }, workflowDispatch: {} });
  ci.file?.addOverride('permissions', 'read-all');
  ci.addJobs({ plan: planJob, shard: shardJob, summary: summaryJob, images: imagesJob, smoke: imageSmokeJob });

  const deploy = new github.GithubWorkflow(gh, 'deploy');
  deploy.on({
    push: { branches: ['main'] },
    workflowDispatch: {
      inputs: {
        apps: {
          description: 'Apps to deploy, comma-separated (empty: the apps changed since the last successful deploy)',
          required: false,
          type: 'string',
        },
      },
    },
  });
  deploy.file?.addOverride('permissions', 'read-all');
  deploy.addJobs({ apps: appsJob, image: imageJob });
  ENVIRONMENTS.forEach((environment, index) =>
    deploy.addJob(environment.name, deployJob(environment, index === 0 ? 'image' : ENVIRONMENTS[index - 1]!.name)),
  );
  ENVIRONMENTS.forEach((environment, index) =>
    deploy.addJob(
      `${environment.name}-function`,
      functionJob(environment, index === 0 ? undefined : `${ENVIRONMENTS[index - 1]!.name}-function`),
    ),
  );

  for (const workflow of [ci, deploy]) if (workflow.file) commentActionVersions(workflow.file);
  // GitHub folds generated files in diffs and leaves them out of language statistics.
  for (const file of project.files) project.gitattributes.addAttributes(`/${file.path}`, 'linguist-generated');
  project.synth();
}
