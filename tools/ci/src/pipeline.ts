// The pieces of the workflows that workflows.ts assembles and the scripts that run them share: the pinned
// third-party actions, the common steps, and what CI checks.
import type { github } from 'projen';

type JobStep = github.workflows.JobStep;

/** Every third-party action at a full commit sha; the tag it was taken from is the comment beside it in the YAML. */
export const ACTIONS = {
  checkout: { uses: 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1' },
  setupNode: { uses: 'actions/setup-node@820762786026740c76f36085b0efc47a31fe5020', version: 'v7.0.0' },
  cacheRestore: { uses: 'actions/cache/restore@27d5ce7f107fe9357f9df03efb73ab90386fccae', version: 'v5.0.5' },
  cacheSave: { uses: 'actions/cache/save@27d5ce7f107fe9357f9df03efb73ab90386fccae', version: 'v5.0.5' },
  githubScript: { uses: 'actions/github-script@ed597411d8f924073f98dfc5c65a23a2325f34cd', version: 'v8.0.0' },
  uploadArtifact: { uses: 'actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f', version: 'v7.0.0' },
  downloadArtifact: { uses: 'actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c', version: 'v8.0.1' },
  nxSetShas: { uses: 'nrwl/nx-set-shas@afb73a62d26e41464e9254689e1fd6122ee683c1', version: 'v5.0.1' },
  setupBuildx: { uses: 'docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e', version: 'v4.3.0' },
  dockerLogin: { uses: 'docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121', version: 'v4.1.0' },
  buildPush: { uses: 'docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a', version: 'v7.3.0' },
  awsCredentials: { uses: 'aws-actions/configure-aws-credentials@7474bc4690e29a8392af63c5b98e7449536d5c3a', version: 'v4.3.1' },
} as const;

/** Node 24 is what production images run; 20.19 is the oldest Node the workspace supports (package.json engines). */
export const NODE_VERSIONS = ['24', '20.19'] as const;

/** `npm ci`: the step ids the workflow-commands test and ci:local recognise as installing node_modules. */
export const INSTALL_STEP: JobStep = { id: 'install', name: 'Install', run: 'npm ci' };

/** Checks out the commit: with the history nx affected compares against, or without the token kept on disk. */
export const checkoutStep = (options: { history: boolean }): JobStep =>
  options.history
    ? { name: 'Check out, with the history nx affected compares against', uses: ACTIONS.checkout.uses, with: { 'fetch-depth': 0 } }
    : { name: 'Check out', uses: ACTIONS.checkout.uses, with: { 'persist-credentials': false } };

export const setupNodeStep = (node: string): JobStep => ({
  name: 'Set up Node',
  uses: ACTIONS.setupNode.uses,
  with: { 'node-version': node, cache: 'npm' },
});

/** NX_BASE and NX_HEAD for nx affected: from the last successful run of the workflow on main to this commit. */
const baseAndHeadStep: JobStep = {
  name: 'Base and head for nx affected (the last successful run of this workflow on main)',
  uses: ACTIONS.nxSetShas.uses,
  with: { 'main-branch-name': 'main' },
};

/** How a job that asks `nx affected` starts: the history it compares, Node, and NX_BASE/NX_HEAD. */
export const affectedJobStart = (): JobStep[] => [checkoutStep({ history: true }), setupNodeStep(NODE_VERSIONS[0]), baseAndHeadStep];

/** What every CI run checks of each affected project (and what the plan lists tasks of). */
export const CI_TARGETS = ['lint', 'typecheck', 'test', 'check', 'build'] as const;

/** How GitHub runs a `run:` step on Linux (bash with -e and pipefail); ci:local and the workflow tests run them so too. */
export const bashStep = (script: string): string[] => ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script];

/**
 * The environment ci.yml's jobs run in, on GitHub and under ci:local. Plugins load in nx's own process rather
 * than a worker process each (NX_ISOLATE_PLUGINS=false: half of every nx start's CPU); ours is the only one.
 */
export const CHECK_ENV = {
  NX_CACHE_DIRECTORY: '.nx/cache',
  NX_NO_CLOUD: 'true',
  NX_DAEMON: 'false',
  NX_ISOLATE_PLUGINS: 'false',
} as const;
