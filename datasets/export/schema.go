package export

// RoleExtensionSchema is the schema of RoleExtension in the representation
// of RFC 7643 §7, as a service provider's /Schemas endpoint returns it.
const RoleExtensionSchema = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
  "id": "urn:rolemine:params:scim:schemas:extension:role:1.0:Group",
  "name": "RolemineRole",
  "description": "A role mined by rolemine: its entitlements, membership rule and the rule's quality",
  "attributes": [
    {"name": "roleId", "type": "string", "multiValued": false, "required": true, "caseExact": true,
     "mutability": "readOnly", "returned": "default", "uniqueness": "none",
     "description": "rolemine's role id, stable across mine runs"},
    {"name": "runId", "type": "integer", "multiValued": false, "required": true,
     "mutability": "readOnly", "returned": "default", "uniqueness": "none",
     "description": "The mine run that produced the role"},
    {"name": "kind", "type": "string", "multiValued": false, "required": false, "caseExact": true,
     "canonicalValues": ["birthright-candidate", "business", "technical", "partial"],
     "mutability": "readOnly", "returned": "default", "uniqueness": "none",
     "description": "What the role is for"},
    {"name": "rule", "type": "string", "multiValued": false, "required": false, "caseExact": true,
     "mutability": "readOnly", "returned": "default", "uniqueness": "none",
     "description": "Membership rule: attribute = value conditions joined by AND"},
    {"name": "rulePrecision", "type": "decimal", "multiValued": false, "required": false,
     "mutability": "readOnly", "returned": "default", "uniqueness": "none",
     "description": "Share of the identities the rule selects that hold the role"},
    {"name": "ruleRecall", "type": "decimal", "multiValued": false, "required": false,
     "mutability": "readOnly", "returned": "default", "uniqueness": "none",
     "description": "Share of the role's holders the rule selects"},
    {"name": "entitlements", "type": "complex", "multiValued": true, "required": false,
     "mutability": "readOnly", "returned": "default",
     "description": "The entitlements the role grants",
     "subAttributes": [
       {"name": "value", "type": "string", "multiValued": false, "required": true, "caseExact": true,
        "mutability": "readOnly", "returned": "default", "uniqueness": "none",
        "description": "The entitlement's id in the source system"},
       {"name": "application", "type": "string", "multiValued": false, "required": false, "caseExact": false,
        "mutability": "readOnly", "returned": "default", "uniqueness": "none",
        "description": "The application the entitlement belongs to"},
       {"name": "display", "type": "string", "multiValued": false, "required": false, "caseExact": false,
        "mutability": "readOnly", "returned": "default", "uniqueness": "none",
        "description": "The entitlement's name"}
     ]}
  ]
}
`
