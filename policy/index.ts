/**
 * The calico-ad policy pack. Run it with any backend:
 *   pulumi preview --stack <stack> --policy-pack policy [--policy-pack-config policy/config.json]
 * It uses the repository's node_modules (run `npm ci` at the root); it has none of its own.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("calico-ad", { policies });
