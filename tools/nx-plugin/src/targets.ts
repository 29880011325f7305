import type { TargetConfiguration } from '@nx/devkit';

/** The targets every app gets, by kind; each kind's name can be changed in nx.json's plugin options. */
export const TARGET_KINDS = [
  'build',
  'serve',
  'test',
  'check',
  'lint',
  'typecheck',
  'load',
  'soak',
  'image',
  'deploy',
  'build-lambda',
  'synth',
] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface McpFleetPluginOptions {
  /** Other names for the inferred targets, e.g. { typecheck: 'tsc' }. */
  targetNames?: Partial<Record<TargetKind, string>>;
}

const run = (command: string): Pick<TargetConfiguration, 'executor' | 'options'> => ({
  executor: 'nx:run-commands',
  options: { command, cwd: '{projectRoot}' },
});
// A tool's command (a bin of its package under tools/), for this app. Each is one process (`node --import tsx`, not
// tsx's wrapper, which would pass a Ctrl-C on a second time and SIGKILL a script slow to answer it: deploy cleans up
// what it created before it exits).
const command = (name: string, app: string) => run(`mcp-fleet-${name} --app ${app}`);
/** What the build commands are made of (tools/build and the esbuild plugins they share with the tools' tests). */
const BUILD_TOOL = [
  '{workspaceRoot}/tools/build/src/*.ts',
  '!{workspaceRoot}/tools/build/src/*.test.ts',
  '{workspaceRoot}/tools/cli-kit/src/esbuild-plugins.ts',
];

/** Prettier's check of a project's TypeScript and JavaScript (every project sits two folders below the root). */
export const FORMAT_CHECK = 'prettier --check --log-level warn --ignore-path ../../.prettierignore .';

/** The checks every project runs; a library's or tool's inputs and outputs come from nx.json's targetDefaults. */
const CHECKS = {
  // ESLint, then Prettier's check: the formatting is the workspace's one config (.prettierrc.json, .prettierignore).
  lint: { ...run(`eslint . && ${FORMAT_CHECK}`), cache: true },
  typecheck: { ...run('tsgo -p tsconfig.json'), cache: true },
  test: { ...run('vitest run'), cache: true },
} satisfies Record<string, TargetConfiguration>;
export type CheckKind = keyof typeof CHECKS;

/**
 * What a library or tool under libs/ or tools/ runs: the checks, as commands Nx starts itself. (As package.json
 * scripts, each task would also start Nx's executor process and npm.) A script of the
 * same name in its package.json takes the check's place, for a project that tests differently.
 */
export function packageTargets(scripts: Record<string, string> = {}): Partial<Record<CheckKind, TargetConfiguration>> {
  return Object.fromEntries(Object.entries(CHECKS).filter(([kind]) => !(kind in scripts)));
}

/** Where an app ships: on Kubernetes (an image, deploy.ts) unless `mcpFleet.kubernetes` is false; as a function with `mcpFleet.lambda`. */
export interface AppShipping {
  kubernetes: boolean;
  lambda: boolean;
}

/**
 * What an MCP service under apps/ runs, the same for every app: the commands, and what Nx needs to cache and
 * order them (inputs, outputs, dependsOn). Only `app` and where it ships differ.
 */
export function appTargets(
  app: string,
  shipping: AppShipping = { kubernetes: true, lambda: false },
): Partial<Record<TargetKind, TargetConfiguration>> {
  const { image, deploy, ...rest } = everyAppTarget(app);
  return {
    ...rest,
    ...(shipping.kubernetes ? { image, deploy } : {}),
    ...(shipping.lambda ? functionTargets(app) : {}),
  };
}

/** A function's targets: its bundle and zip (build-lambda), and its CloudFormation (synth, offline). */
function functionTargets(app: string): Record<'build-lambda' | 'synth', TargetConfiguration> {
  return {
    'build-lambda': {
      ...run('mcp-fleet-build-lambda'),
      cache: true,
      inputs: ['production', '^production', '{workspaceRoot}/tools/build/build-lambda.ts', ...BUILD_TOOL],
      outputs: ['{projectRoot}/dist/lambda', '{projectRoot}/dist/lambda.zip'],
    },
    synth: {
      ...command('synth', app),
      cache: true,
      dependsOn: ['build-lambda'],
      inputs: ['{projectRoot}/package.json', '{projectRoot}/dist/lambda.zip', '{workspaceRoot}/tools/lambda-stack/src/**/*.ts'],
      outputs: ['{projectRoot}/dist/cdk.out'],
    },
  };
}

function everyAppTarget(app: string): Record<Exclude<TargetKind, 'build-lambda' | 'synth'>, TargetConfiguration> {
  return {
    build: {
      ...run('mcp-fleet-build'),
      cache: true,
      dependsOn: ['^build'],
      inputs: ['production', '^production', '{workspaceRoot}/tools/build/build-app.ts', ...BUILD_TOOL],
      // Its own files only: dist/ also holds the function's bundle and synth when the app ships as one.
      outputs: [
        '{projectRoot}/dist/main.js',
        '{projectRoot}/dist/main.js.map',
        '{projectRoot}/dist/package.json',
        '{projectRoot}/dist/package-lock.json',
      ],
    },
    serve: { ...run('node --enable-source-maps dist/main.js'), dependsOn: ['build'], continuous: true },
    test: {
      // Vitest gates the in-process coverage; c8 then gates what the built app covered as a real process (e2e).
      ...run(
        'rm -rf coverage/e2e-raw && vitest run && c8 report --temp-directory coverage/e2e-raw --reports-dir coverage/e2e --reporter text-summary --exclude-after-remap',
      ),
      cache: true,
      dependsOn: ['build'],
      // Its image test (test/image.test.ts) renders the shared deploy/ and runs the smoke command.
      inputs: [
        'default',
        '^production',
        'testEnvironment',
        '{workspaceRoot}/deploy/**/*',
        '{workspaceRoot}/tools/build/smoke.ts',
        '{workspaceRoot}/tools/build/src/smoke.ts',
      ],
      outputs: ['{projectRoot}/coverage'],
    },
    // The fleet's rules for this app alone (its manifest, overlays, policy, monitoring), cached per app: a change to
    // one app's deploy/ re-checks that app and no tool's tests.
    check: {
      executor: '@mcp-fleet/nx-plugin:app-checks',
      cache: true,
      inputs: [
        '{projectRoot}/package.json',
        '{projectRoot}/config/**/*',
        '{projectRoot}/deploy/**/*',
        '{workspaceRoot}/deploy/**/*',
        '{workspaceRoot}/tools/nx-plugin/src/**/*.ts',
        '{workspaceRoot}/libs/testing/src/**/*.ts',
        '{workspaceRoot}/libs/fleet-manifest/src/**/*.ts',
        '{workspaceRoot}/libs/runtime/src/**/*.ts',
        // kubectl renders the overlays (kustomize): another kubectl may render them differently.
        { runtime: 'kubectl version --client -o json' },
      ],
    },
    lint: {
      ...CHECKS.lint,
      inputs: [
        'default',
        '^production',
        '{workspaceRoot}/eslint.config.mjs',
        '{workspaceRoot}/.prettierrc.json',
        '{workspaceRoot}/.prettierignore',
      ],
    },
    typecheck: { ...CHECKS.typecheck, inputs: ['default', '^production'] },
    load: command('load', app),
    soak: command('soak', app),
    // The Dockerfile is every app's: a change to it makes every app affected, so its image is built and smoke-tested.
    image: {
      ...command('image', app),
      inputs: ['production', '^production', '{workspaceRoot}/deploy/Dockerfile', '{workspaceRoot}/deploy/Dockerfile.dockerignore'],
    },
    deploy: command('deploy', app),
  };
}
