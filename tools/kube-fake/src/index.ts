export { Cluster, type Behaviour, type K8sObject, type Traffic, type WatchEvent } from './cluster';
export { jsonPatch, mergePatch, strategicMergePatch } from './patch';
export { startKubeFake, type KubeFake, type KubeFakeOptions } from './server';
