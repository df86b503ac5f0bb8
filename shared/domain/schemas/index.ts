export * from "./api-key.js";
export * from "./common.js";
export * from "./nas.js";
export * from "./package.js";
export * from "./site.js";
export * from "./subscriber.js";
export * from "./tenant.js";
export * from "./timeline.js";
