export { md5OfMessageAttributes } from "./md5.js";
export { type LocalSqs, type LocalSqsOptions, startLocalSqs } from "./server.js";
