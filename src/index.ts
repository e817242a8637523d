export * as envoy from './gen/index.envoy.js';
