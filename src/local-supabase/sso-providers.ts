/**
 * SAML identity providers as GoTrue's admin API keeps them (internal/models/sso.go): an
 * sso_providers row with its saml_providers row (EntityID, metadata) and its sso_domains. GoTrue
 * serves this API whether or not SAML is on, and SAML is off here (as by default in GoTrue), so
 * a provider can be registered and listed but nobody signs in through it (/sso answers
 * saml_provider_disabled).
 */
import { randomUUID } from "node:crypto";
import { DOMParser, type Element } from "@xmldom/xmldom";
import type { Queryable } from "./db.js";
import { badRequest } from "./errors.js";
import type { JsonObject } from "./http.js";

export interface SsoProvider {
  id: string;
  resource_id: string | null;
  disabled: boolean | null;
  entity_id: string;
  metadata_xml: string;
  metadata_url: string | null;
  attribute_mapping: JsonObject;
  name_id_format: string | null;
  domains: string[];
  created_at: Date;
  updated_at: Date;
}

const iso = (d: Date) => new Date(d).toISOString();

/** models.SSOProvider's JSON: GoTrue's field order and omitempty rules. */
export function ssoProviderJson(p: SsoProvider, withMetadataXml = true): JsonObject {
  const saml: JsonObject = { entity_id: p.entity_id };
  if (withMetadataXml && p.metadata_xml !== "") saml.metadata_xml = p.metadata_xml;
  if (p.metadata_url !== null) saml.metadata_url = p.metadata_url;
  saml.attribute_mapping = p.attribute_mapping;
  if (p.name_id_format !== null) saml.name_id_format = p.name_id_format;
  const out: JsonObject = { id: p.id };
  if (p.resource_id !== null) out.resource_id = p.resource_id;
  out.disabled = p.disabled;
  out.saml = saml;
  out.domains = p.domains.map((domain) => ({ domain }));
  out.created_at = iso(p.created_at);
  out.updated_at = iso(p.updated_at);
  return out;
}

const SELECT = `select p.id, p.resource_id, p.disabled, p.created_at, p.updated_at, s.entity_id, s.metadata_xml,
    s.metadata_url, s.attribute_mapping, s.name_id_format,
    coalesce((select array_agg(d.domain order by d.created_at, d.id) from sso_domains d where d.sso_provider_id = p.id),
      '{}') as domains
  from sso_providers p join saml_providers s on s.sso_provider_id = p.id`;

export async function findSsoProviders(
  db: Queryable,
  where: "id" | "resource_id" | "resource_id_prefix" | "entity_id" | "domain" | undefined,
  value = "",
): Promise<SsoProvider[]> {
  const clause = {
    id: "where p.id = $1",
    resource_id: "where p.resource_id = $1",
    resource_id_prefix: "where p.resource_id like $1",
    entity_id: "where s.entity_id = $1",
    domain: "where p.id = (select sso_provider_id from sso_domains where domain = $1 limit 1)",
  };
  const arg = where === "resource_id_prefix" ? `${value.replace(/[\\%_]/g, "\\$&")}%` : value;
  const r = await db.query<SsoProvider>(
    `${SELECT} ${where ? clause[where] : ""} order by p.created_at, p.id`,
    where ? [arg] : [],
  );
  return r.rows;
}

export interface SsoProviderFields {
  entityId: string;
  metadataXml: string;
  metadataUrl: string | null;
  attributeMapping: JsonObject;
  nameIdFormat: string | null;
  resourceId: string | null;
  disabled: boolean | null;
  domains: string[];
}

export async function insertSsoProvider(tx: Queryable, f: SsoProviderFields): Promise<string> {
  const id = randomUUID();
  const now = new Date().toISOString();
  await tx.query(
    "insert into sso_providers (id, resource_id, disabled, created_at, updated_at) values ($1, $2, $3, $4, $4)",
    [id, f.resourceId, f.disabled, now],
  );
  await tx.query(
    `insert into saml_providers (id, sso_provider_id, entity_id, metadata_xml, metadata_url, attribute_mapping,
       name_id_format, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
    [randomUUID(), id, f.entityId, f.metadataXml, f.metadataUrl, f.attributeMapping, f.nameIdFormat, now],
  );
  await insertDomains(tx, id, f.domains);
  return id;
}

export async function insertDomains(tx: Queryable, providerId: string, domains: string[]): Promise<void> {
  const now = new Date().toISOString();
  for (const domain of domains) {
    await tx.query(
      "insert into sso_domains (id, sso_provider_id, domain, created_at, updated_at) values ($1, $2, $3, $4, $4)",
      [randomUUID(), providerId, domain, now],
    );
  }
}

const MD = "urn:oasis:names:tc:SAML:2.0:metadata";

/** What GoTrue reads from SAML metadata: the EntityID and how many IDPSSODescriptors there are. */
export interface SamlMetadata {
  entityId: string;
  idpDescriptors: number;
}

/** Thrown for metadata crewjam/saml's ParseMetadata refuses (GoTrue then answers an unexpected failure). */
export class MetadataParseError extends Error {
  override name = "MetadataParseError";
}

const childrenNamed = (el: Element, name: string): Element[] =>
  Array.from(el.childNodes).filter(
    (n): n is Element => n.nodeType === 1 && (n as Element).namespaceURI === MD && (n as Element).localName === name,
  );

/**
 * samlsp.ParseMetadata: an EntityDescriptor, or from an EntitiesDescriptor the first entity with
 * an IDPSSODescriptor. Anything else is a MetadataParseError.
 */
export function parseSamlMetadata(xml: string): SamlMetadata {
  let root: Element | null;
  try {
    const doc = new DOMParser({
      onError: (level, message) => {
        if (level !== "warning") throw new MetadataParseError(message);
      },
    }).parseFromString(xml, "text/xml");
    root = doc.documentElement;
  } catch (err) {
    throw new MetadataParseError(err instanceof Error ? err.message : String(err));
  }
  if (!root) throw new MetadataParseError("EOF");
  const entity = (e: Element): SamlMetadata => ({
    entityId: e.getAttribute("entityID") ?? "",
    idpDescriptors: childrenNamed(e, "IDPSSODescriptor").length,
  });
  if (root.namespaceURI === MD && root.localName === "EntityDescriptor") return entity(root);
  if (root.namespaceURI === MD && root.localName === "EntitiesDescriptor") {
    const found = childrenNamed(root, "EntityDescriptor").find((e) => entity(e).idpDescriptors > 0);
    if (!found) throw new MetadataParseError("no entity found with IDPSSODescriptor");
    return entity(found);
  }
  throw new MetadataParseError(`expected element type <EntityDescriptor> but have <${root.localName}>`);
}

/** GoTrue's parseSAMLMetadata checks after the parse: one IdP with an EntityID. */
export function checkSamlMetadata(xml: string): SamlMetadata {
  // a JSON string holds no invalid UTF-8, but a lone surrogate (\ud800) encodes as such
  if (/\p{Surrogate}/u.test(xml)) {
    throw badRequest(
      "validation_failed",
      "SAML Metadata XML contains invalid UTF-8 characters, which are not supported at this time",
    );
  }
  const md = parseSamlMetadata(xml);
  if (md.entityId === "") throw badRequest("validation_failed", "SAML Metadata does not contain an EntityID");
  if (md.idpDescriptors < 1) {
    throw badRequest("validation_failed", "SAML Metadata does not contain any IDPSSODescriptor");
  }
  if (md.idpDescriptors > 1) throw badRequest("validation_failed", "SAML Metadata contains multiple IDPSSODescriptors");
  return md;
}
