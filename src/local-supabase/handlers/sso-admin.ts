/**
 * /admin/sso/providers (GoTrue internal/api/ssoadmin.go): list, register, read, change and
 * remove SAML identity providers, with GoTrue's checks and answers. Served with SAML off, as
 * GoTrue does (sso-providers.ts).
 */
import type { App, Handler } from "../app.js";
import { isUuid, requireAdmin } from "../auth.js";
import { ApiError, badRequest, notFound, unexpectedFailure, unprocessable } from "../errors.js";
import { type JsonObject, objField, readJson, sendJson, str } from "../http.js";
import {
  checkSamlMetadata,
  findSsoProviders,
  insertDomains,
  insertSsoProvider,
  MetadataParseError,
  type SamlMetadata,
  type SsoProvider,
  ssoProviderJson,
} from "../sso-providers.js";
import { isUniqueViolation } from "./signup.js";

const NAME_ID_FORMATS = [
  "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
  "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
  "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
  "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
];
const PARAMS = "CreateSSOProviderParams";
const notFoundProvider = () => notFound("sso_provider_not_found", "SSO Identity Provider not found");

/** loadSSOProvider: "resource_<id>" by resource id, otherwise a UUID. */
export async function loadSsoProvider(app: App, idp: string): Promise<SsoProvider> {
  let found: SsoProvider[];
  if (idp.startsWith("resource_")) {
    found = await findSsoProviders(app.database.db, "resource_id", idp.slice("resource_".length));
  } else {
    if (!isUuid(idp)) throw notFoundProvider();
    found = await findSsoProviders(app.database.db, "id", idp.toLowerCase());
  }
  const provider = found[0];
  if (!provider) throw notFoundProvider();
  return provider;
}

const idpOf = (path: string) => path.split("/")[4] ?? "";

interface Params {
  type: string;
  metadataUrl: string;
  metadataXml: string;
  /** undefined: not given (an update leaves the domains); [] replaces them with none */
  domains: string[] | undefined;
  /** undefined: not given; GoTrue's SAMLAttributeMapping otherwise */
  attributeMapping: JsonObject | undefined;
  nameIdFormat: string;
  resourceId: string | undefined;
  disabled: boolean | undefined;
}

const cannotUnmarshal = (kind: string, field: string, type: string) =>
  badRequest(
    "bad_json",
    `Could not parse request body as JSON: json: cannot unmarshal ${kind} into Go struct field ${PARAMS}.${field} of type ${type}`,
  );

const kindOf = (v: unknown) => (Array.isArray(v) ? "array" : typeof v === "boolean" ? "bool" : typeof v);

async function readParams(req: Parameters<Handler>[1]): Promise<Params> {
  const p = await readJson(
    req,
    {
      type: "string",
      metadata_url: "string",
      metadata_xml: "string",
      attribute_mapping: "object",
      name_id_format: "string",
      resource_id: "string",
      disabled: "bool",
    },
    PARAMS,
  );
  let domains: string[] | undefined;
  if (p.domains !== undefined && p.domains !== null) {
    if (!Array.isArray(p.domains)) throw cannotUnmarshal(kindOf(p.domains), "domains", "[]string");
    const bad = p.domains.find((d) => typeof d !== "string");
    if (bad !== undefined) throw cannotUnmarshal(bad === null ? "null" : kindOf(bad), "domains", "string");
    domains = p.domains as string[];
  }
  return {
    type: str(p, "type"),
    metadataUrl: str(p, "metadata_url"),
    metadataXml: str(p, "metadata_xml"),
    domains,
    attributeMapping: attributeMapping(objField(p, "attribute_mapping")),
    nameIdFormat: str(p, "name_id_format"),
    resourceId: typeof p.resource_id === "string" ? p.resource_id : undefined,
    disabled: typeof p.disabled === "boolean" ? p.disabled : undefined,
  };
}

/** GoTrue's SAMLAttributeMapping as it stores and writes it: {keys: {name: {name, names, default, array}}}. */
function attributeMapping(raw: JsonObject | undefined): JsonObject | undefined {
  if (raw === undefined) return undefined;
  const keys = raw.keys;
  if (keys === undefined || keys === null) return {};
  if (typeof keys !== "object" || Array.isArray(keys)) {
    throw badRequest(
      "bad_json",
      `Could not parse request body as JSON: json: cannot unmarshal ${kindOf(keys)} into Go struct field SAMLAttributeMapping.attribute_mapping.keys of type map[string]models.SAMLAttribute`,
    );
  }
  const out: JsonObject = {};
  for (const name of Object.keys(keys).sort()) {
    const a = (keys as JsonObject)[name];
    const attr: JsonObject = {};
    if (a !== null && typeof a === "object" && !Array.isArray(a)) {
      const v = a as JsonObject;
      if (typeof v.name === "string" && v.name !== "") attr.name = v.name;
      if (Array.isArray(v.names) && v.names.length > 0) attr.names = v.names.filter((n) => typeof n === "string");
      if (v.default !== undefined && v.default !== null) attr.default = v.default;
      if (v.array === true) attr.array = true;
    }
    out[name] = attr;
  }
  return Object.keys(out).length === 0 ? {} : { keys: out };
}

/** CreateSSOProviderParams.validate */
function validate(p: Params, forUpdate: boolean): void {
  if (!forUpdate && p.type !== "saml") {
    throw badRequest("validation_failed", "Only 'saml' supported for SSO provider type");
  }
  if (p.metadataUrl !== "" && p.metadataXml !== "") {
    throw badRequest("validation_failed", "Only one of metadata_xml or metadata_url needs to be set");
  }
  if (!forUpdate && p.metadataUrl === "" && p.metadataXml === "") {
    throw badRequest("validation_failed", "Either metadata_xml or metadata_url must be set");
  }
  if (p.metadataUrl !== "") {
    // url.ParseRequestURI: an absolute URL, or an absolute path (which is no HTTPS URL either)
    let https = false;
    if (!p.metadataUrl.startsWith("/")) {
      try {
        https = new URL(p.metadataUrl).protocol === "https:";
      } catch {
        throw badRequest("validation_failed", "metadata_url is not a valid URL");
      }
    }
    if (!https) throw badRequest("validation_failed", "metadata_url is not a HTTPS URL");
  }
  if (p.nameIdFormat !== "" && !NAME_ID_FORMATS.includes(p.nameIdFormat)) {
    throw badRequest("validation_failed", `name_id_format must be unspecified or one of ${NAME_ID_FORMATS.join(", ")}`);
  }
}

/** The metadata XML (fetched from metadata_url when that is what was given) and what GoTrue reads from it. */
async function metadata(app: App, p: Params): Promise<{ xml: string; md: SamlMetadata }> {
  let xml = p.metadataXml;
  if (xml === "") {
    let res: Response;
    try {
      res = await fetch(p.metadataUrl, {
        headers: { Accept: "application/xml;charset=UTF-8", "Accept-Charset": "UTF-8" },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw failure(app, `fetching SAML metadata from ${p.metadataUrl}: ${String(err)}`);
    }
    if (res.status !== 200) {
      throw badRequest(
        "saml_metadata_fetch_failed",
        `HTTP ${res.status} error fetching SAML Metadata from URL '${p.metadataUrl}'`,
      );
    }
    xml = await res.text();
  }
  try {
    return { xml, md: checkSamlMetadata(xml) };
  } catch (err) {
    if (err instanceof MetadataParseError) throw failure(app, `SAML metadata could not be parsed: ${err.message}`);
    throw err;
  }
}

/** GoTrue's answer for an error it did not classify; the reason goes to the server log, as GoTrue's does. */
function failure(app: App, reason: string): ApiError {
  app.config.log(`[local-supabase] /admin/sso/providers: ${reason}`);
  return unexpectedFailure("Unexpected failure, please check server logs for more information");
}

async function domainTaken(app: App, domain: string, except?: string): Promise<SsoProvider | undefined> {
  const owner = (await findSsoProviders(app.database.db, "domain", domain))[0];
  return owner && owner.id !== except ? owner : undefined;
}

export const listSsoProviders: Handler = async (app, req, res) => {
  await requireAdmin(app, req);
  const id = req.query.get("resource_id") ?? "";
  const prefix = req.query.get("resource_id_prefix") ?? "";
  const providers =
    id !== ""
      ? await findSsoProviders(app.database.db, "resource_id", id)
      : prefix !== ""
        ? await findSsoProviders(app.database.db, "resource_id_prefix", prefix)
        : await findSsoProviders(app.database.db, undefined);
  // GoTrue leaves the metadata XML out of the list "so that the returned JSON is not ginormous"
  sendJson(res, 200, { items: providers.map((p) => ssoProviderJson(p, false)) });
};

export const createSsoProvider: Handler = async (app, req, res) => {
  await requireAdmin(app, req);
  const p = await readParams(req);
  validate(p, false);
  const { xml, md } = await metadata(app, p);
  if ((await findSsoProviders(app.database.db, "entity_id", md.entityId)).length > 0) {
    throw unprocessable(
      "saml_idp_already_exists",
      `SAML Identity Provider with this EntityID (${md.entityId}) already exists`,
    );
  }
  for (const domain of p.domains ?? []) {
    const owner = await domainTaken(app, domain);
    if (owner) {
      throw badRequest(
        "sso_domain_already_exists",
        `SSO Domain '${domain}' is already assigned to an SSO identity provider (${owner.id})`,
      );
    }
  }
  let id: string;
  try {
    id = await app.database.tx((tx) =>
      insertSsoProvider(tx, {
        entityId: md.entityId,
        metadataXml: xml,
        metadataUrl: p.metadataUrl === "" ? null : p.metadataUrl,
        attributeMapping: p.attributeMapping ?? {},
        nameIdFormat: p.nameIdFormat === "" ? null : p.nameIdFormat,
        resourceId: p.resourceId ?? null,
        disabled: p.disabled ?? null,
        domains: p.domains ?? [],
      }),
    );
  } catch (err) {
    // a resource_id or a domain taken meanwhile (or twice in the request): GoTrue's plain database error
    if (isUniqueViolation(err)) throw failure(app, `creating SSO provider: ${String(err)}`);
    throw err;
  }
  sendJson(res, 201, ssoProviderJson(await reload(app, id)));
};

async function reload(app: App, id: string): Promise<SsoProvider> {
  const provider = (await findSsoProviders(app.database.db, "id", id))[0];
  if (!provider) throw notFoundProvider();
  return provider;
}

export const getSsoProvider: Handler = async (app, req, res) => {
  await requireAdmin(app, req);
  sendJson(res, 200, ssoProviderJson(await loadSsoProvider(app, idpOf(req.path))));
};

export const updateSsoProvider: Handler = async (app, req, res) => {
  await requireAdmin(app, req);
  const provider = await loadSsoProvider(app, idpOf(req.path));
  const p = await readParams(req);
  validate(p, true);
  const set: Record<string, unknown> = {};
  const samlSet: Record<string, unknown> = {};
  if (p.metadataXml !== "" || p.metadataUrl !== "") {
    const { xml, md } = await metadata(app, p);
    if (md.entityId !== provider.entity_id) {
      throw badRequest(
        "saml_entity_id_mismatch",
        `SAML Metadata can be updated only if the EntityID matches for the provider; expected '${provider.entity_id}' but got '${md.entityId}'`,
      );
    }
    if (p.metadataUrl !== "") samlSet.metadata_url = p.metadataUrl;
    samlSet.metadata_xml = xml;
  }
  // domains are replaced only when the request has them ([] removes all)
  let domains: { add: string[]; remove: string[] } | undefined;
  if (p.domains !== undefined) {
    const keep = new Set<string>();
    const add: string[] = [];
    for (const domain of p.domains) {
      const owner = (await findSsoProviders(app.database.db, "domain", domain))[0];
      if (owner && owner.id !== provider.id) {
        throw badRequest(
          "sso_domain_already_exists",
          `SSO domain '${domain}' already assigned to another provider (${owner.id})`,
        );
      }
      if (owner) keep.add(domain);
      else add.push(domain);
    }
    const remove = provider.domains.filter((d) => !keep.has(d));
    if (add.length > 0 || remove.length > 0) domains = { add, remove };
  }
  if (p.attributeMapping !== undefined && "keys" in p.attributeMapping) {
    if (JSON.stringify(p.attributeMapping) !== JSON.stringify(provider.attribute_mapping)) {
      samlSet.attribute_mapping = p.attributeMapping;
    }
  }
  if (p.nameIdFormat !== (provider.name_id_format ?? "")) {
    samlSet.name_id_format = p.nameIdFormat === "" ? null : p.nameIdFormat;
  }
  if (p.resourceId !== undefined) {
    if (p.resourceId === "" && provider.resource_id !== null) set.resource_id = null;
    else if (p.resourceId !== "" && provider.resource_id !== p.resourceId) set.resource_id = p.resourceId;
  }
  if (p.disabled !== undefined && provider.disabled !== p.disabled) set.disabled = p.disabled;

  if (Object.keys(set).length > 0 || Object.keys(samlSet).length > 0 || domains) {
    try {
      await app.database.tx(async (tx) => {
        const now = new Date().toISOString();
        await update(tx, "sso_providers", "id", provider.id, { ...set, updated_at: now });
        if (Object.keys(samlSet).length > 0) {
          await update(tx, "saml_providers", "sso_provider_id", provider.id, { ...samlSet, updated_at: now });
        }
        if (domains) {
          await tx.query("delete from sso_domains where sso_provider_id = $1 and domain = any($2::text[])", [
            provider.id,
            domains.remove,
          ]);
          await insertDomains(tx, provider.id, domains.add);
        }
      });
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw unprocessable("conflict", "Updating SSO provider failed, likely due to a conflict. Try again?");
    }
  }
  sendJson(res, 200, ssoProviderJson(await reload(app, provider.id)));
};

async function update(
  tx: Parameters<Parameters<App["database"]["tx"]>[0]>[0],
  table: "sso_providers" | "saml_providers",
  key: "id" | "sso_provider_id",
  id: string,
  values: Record<string, unknown>,
): Promise<void> {
  const columns = Object.keys(values);
  const sets = columns.map((c, i) => `${c} = $${i + 2}`).join(", ");
  await tx.query(`update ${table} set ${sets} where ${key} = $1`, [id, ...columns.map((c) => values[c])]);
}

export const deleteSsoProvider: Handler = async (app, req, res) => {
  await requireAdmin(app, req);
  const provider = await loadSsoProvider(app, idpOf(req.path));
  await app.database.db.query("delete from sso_providers where id = $1", [provider.id]);
  sendJson(res, 200, ssoProviderJson(provider));
};
