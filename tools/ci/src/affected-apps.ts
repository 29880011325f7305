// Which apps the deploy workflow ships: nx affected limited to apps/, or the apps a person asked for by name.

/** The app names in a dispatch input ("a,b" or "a b"); every one must be an app under apps/. */
export function requestedApps(input: string, known: string[]): string[] {
  const names = [...new Set(input.split(/[\s,]+/).filter(Boolean))];
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    const list = unknown.map((name) => `"${name}"`).join(', ');
    throw new Error(
      `--apps names ${list}, which ${unknown.length === 1 ? 'is not an app' : 'are not apps'} under apps/ (the apps: ${known.join(', ') || 'none'})`,
    );
  }
  return names.sort();
}

/** The apps among the projects `nx show projects --affected --json` printed, in a stable order. */
export function affectedApps(nxJson: string, known: string[]): string[] {
  const projects = JSON.parse(nxJson) as unknown;
  if (!Array.isArray(projects)) throw new Error(`nx show projects printed ${nxJson.slice(0, 200)}, not a JSON list`);
  return projects.filter((name): name is string => typeof name === 'string' && known.includes(name)).sort();
}

/** An app's `mcpFleet` entry, as far as where it ships goes. */
export interface Shipping {
  kubernetes?: boolean;
  lambda?: unknown;
}

/** The apps split by where they ship: on Kubernetes unless `kubernetes: false`; as a function with a `lambda` entry. */
export function byTarget(apps: string[], shippingOf: (app: string) => Shipping): { kubernetes: string[]; functions: string[] } {
  return {
    kubernetes: apps.filter((app) => shippingOf(app).kubernetes !== false),
    functions: apps.filter((app) => shippingOf(app).lambda !== undefined),
  };
}
