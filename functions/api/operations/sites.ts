import * as z from "zod";
import {
  CreateNasSchema,
  NasIdSchema,
  NasSchema,
  UpdateNasSchema,
} from "../../../shared/domain/schemas/nas.js";
import {
  CreateSiteSchema,
  SiteIdSchema,
  SiteSchema,
  SiteWithHealthSchema,
  UpdateSiteSchema,
} from "../../../shared/domain/schemas/site.js";
import { defineOperation } from "../../../shared/http/operation.js";
import * as sites from "../../../shared/services/sites.js";
import { created, noContent, ok, page } from "./respond.js";

const siteParams = z.object({ siteId: SiteIdSchema });
const nasParams = z.object({ siteId: SiteIdSchema, nasId: NasIdSchema });

export const siteOperations = [
  defineOperation({
    id: "listSites",
    method: "GET",
    path: "/v1/sites",
    summary: "List sites",
    tag: "Sites",
    permission: "read",
    response: { status: 200, schema: SiteSchema, list: true },
    handle: async ({ deps, caller, page: request }) => page(await sites.listSites(deps, caller, request)),
  }),
  defineOperation({
    id: "createSite",
    method: "POST",
    path: "/v1/sites",
    summary: "Create a site (where one edge agent runs)",
    tag: "Sites",
    permission: "network:write",
    body: CreateSiteSchema,
    idempotent: true,
    response: { status: 201, schema: SiteSchema },
    handle: async ({ deps, caller, body, idempotency }) => {
      const result = await sites.createSite(deps, caller, body, idempotency);
      return created(result, `/v1/sites/${result.resource.id}`);
    },
  }),
  defineOperation({
    id: "getSite",
    method: "GET",
    path: "/v1/sites/{siteId}",
    summary: "Get a site with its edge agent's health and drift reports",
    tag: "Sites",
    permission: "read",
    params: siteParams,
    response: { status: 200, schema: SiteWithHealthSchema },
    handle: async ({ deps, caller, params }) =>
      ok(await sites.getSiteWithHealth(deps, caller, params.siteId)),
  }),
  defineOperation({
    id: "updateSite",
    method: "PATCH",
    path: "/v1/sites/{siteId}",
    summary: "Update a site (send its current version)",
    tag: "Sites",
    permission: "network:write",
    params: siteParams,
    body: UpdateSiteSchema,
    response: { status: 200, schema: SiteSchema },
    handle: async ({ deps, caller, params, body }) =>
      ok(await sites.updateSite(deps, caller, params.siteId, body)),
  }),
  defineOperation({
    id: "archiveSite",
    method: "DELETE",
    path: "/v1/sites/{siteId}",
    summary: "Archive a site that has no NAS entries and no subscribers left",
    tag: "Sites",
    permission: "network:write",
    params: siteParams,
    response: { status: 200, schema: SiteSchema },
    handle: async ({ deps, caller, params }) => ok(await sites.archiveSite(deps, caller, params.siteId)),
  }),
  defineOperation({
    id: "listNas",
    method: "GET",
    path: "/v1/sites/{siteId}/nas",
    summary: "List a site's NAS entries",
    tag: "NAS",
    permission: "read",
    params: siteParams,
    response: { status: 200, schema: NasSchema, list: true },
    handle: async ({ deps, caller, params, page: request }) =>
      page(await sites.listNas(deps, caller, params.siteId, request)),
  }),
  defineOperation({
    id: "createNas",
    method: "POST",
    path: "/v1/sites/{siteId}/nas",
    summary: "Add a NAS (router) to a site. Secrets stay on the edge agent and are refused here",
    tag: "NAS",
    permission: "network:write",
    params: siteParams,
    body: CreateNasSchema,
    idempotent: true,
    response: { status: 201, schema: NasSchema },
    handle: async ({ deps, caller, params, body, idempotency }) => {
      const result = await sites.createNas(deps, caller, params.siteId, body, idempotency);
      return created(result, `/v1/sites/${params.siteId}/nas/${result.resource.id}`);
    },
  }),
  defineOperation({
    id: "getNas",
    method: "GET",
    path: "/v1/sites/{siteId}/nas/{nasId}",
    summary: "Get a NAS",
    tag: "NAS",
    permission: "read",
    params: nasParams,
    response: { status: 200, schema: NasSchema },
    handle: async ({ deps, caller, params }) =>
      ok(await sites.getNas(deps, caller, params.siteId, params.nasId)),
  }),
  defineOperation({
    id: "updateNas",
    method: "PATCH",
    path: "/v1/sites/{siteId}/nas/{nasId}",
    summary: "Update a NAS (send its current version)",
    tag: "NAS",
    permission: "network:write",
    params: nasParams,
    body: UpdateNasSchema,
    response: { status: 200, schema: NasSchema },
    handle: async ({ deps, caller, params, body }) =>
      ok(await sites.updateNas(deps, caller, params.siteId, params.nasId, body)),
  }),
  defineOperation({
    id: "deleteNas",
    method: "DELETE",
    path: "/v1/sites/{siteId}/nas/{nasId}",
    summary: "Remove a NAS that no subscriber uses",
    tag: "NAS",
    permission: "network:write",
    params: nasParams,
    response: { status: 204, description: "Removed" },
    handle: async ({ deps, caller, params }) => {
      await sites.deleteNas(deps, caller, params.siteId, params.nasId);
      return noContent;
    },
  }),
];
