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
export * from './rbac-filters.js';
export * from './names.js';
export * from './mtls.js';
export * from './sidecar.js';
export * from './bootstrap.js';
export * from './waypoint.js';
