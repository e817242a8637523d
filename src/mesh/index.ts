/**
 * Mesh presets: an Istio-shaped sidecar (transparent proxy and its iptables rules), an ambient
 * waypoint, and an RBAC model (RBAC0–RBAC3) compiled to Envoy RBAC.
 *
 * @module
 */
export * from './options.js';
export * from './iptables.js';
export * from './rbac.js';
export * from './rbac-match.js';
export * from './rbac-explain.js';
