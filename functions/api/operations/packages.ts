import * as z from "zod";
import {
  CreatePackageSchema,
  PackageIdSchema,
  PackageSchema,
  UpdatePackageSchema,
} from "../../../shared/domain/schemas/package.js";
import { defineOperation } from "../../../shared/http/operation.js";
import * as packages from "../../../shared/services/packages.js";
import { created, ok, page } from "./respond.js";

const tag = "Packages";
const params = z.object({ packageId: PackageIdSchema });

export const packageOperations = [
  defineOperation({
    id: "listPackages",
    method: "GET",
    path: "/v1/packages",
    summary: "List packages",
    tag,
    permission: "read",
    response: { status: 200, schema: PackageSchema, list: true },
    handle: async ({ deps, caller, page: request }) =>
      page(await packages.listPackages(deps, caller, request)),
  }),
  defineOperation({
    id: "createPackage",
    method: "POST",
    path: "/v1/packages",
    summary: "Create a package",
    tag,
    permission: "money:write",
    body: CreatePackageSchema,
    idempotent: true,
    response: { status: 201, schema: PackageSchema },
    handle: async ({ deps, caller, body, idempotency }) => {
      const result = await packages.createPackage(deps, caller, body, idempotency);
      return created(result, `/v1/packages/${result.resource.id}`);
    },
  }),
  defineOperation({
    id: "getPackage",
    method: "GET",
    path: "/v1/packages/{packageId}",
    summary: "Get a package",
    tag,
    permission: "read",
    params,
    response: { status: 200, schema: PackageSchema },
    handle: async ({ deps, caller, params }) => ok(await packages.getPackage(deps, caller, params.packageId)),
  }),
  defineOperation({
    id: "updatePackage",
    method: "PATCH",
    path: "/v1/packages/{packageId}",
    summary: "Update a package (send its current version)",
    tag,
    permission: "money:write",
    params,
    body: UpdatePackageSchema,
    response: { status: 200, schema: PackageSchema },
    handle: async ({ deps, caller, params, body }) =>
      ok(await packages.updatePackage(deps, caller, params.packageId, body)),
  }),
  defineOperation({
    id: "archivePackage",
    method: "DELETE",
    path: "/v1/packages/{packageId}",
    summary: "Archive a package: existing subscribers keep it, nobody new can get it",
    tag,
    permission: "money:write",
    params,
    response: { status: 200, schema: PackageSchema },
    handle: async ({ deps, caller, params }) =>
      ok(await packages.archivePackage(deps, caller, params.packageId)),
  }),
];
