// What every resource's file-format view is: a plain object with its kind and name first. The
// views of each kind (agent-view.ts, policy-resource.ts, …) build it; resource-view.ts picks one.

/** A resource as a plain object in file format (field order as in the docs). */
export type ResourceView = Record<string, unknown> & { kind: string; name: string };
