export * from "./format.js";
export * from "./render.js";
export * from "./retry.js";
export * from "./sms-length.js";
export * from "./templates.js";
