import { ClusterObject } from "../catalog/prerequisites";

/** Read-only access to the cluster: kubectl in a stack (cluster/kubectl.ts), fakes in tests. */
export interface ClusterReader {
    /** Whether the object (or, without a name, the resource type) exists. */
    exists(object: ClusterObject): Promise<boolean>;
    /** The object as JSON, or undefined when it does not exist. */
    get(object: ClusterObject): Promise<unknown>;
}
