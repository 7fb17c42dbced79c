package datasets

import (
	"path/filepath"
	"strings"

	"rolemine/datasets/schema"
)

// An Okta export is the JSON the Okta management API returns, one file
// per page (Okta pages with a Link header, so each page is saved as its
// own file: users.json, users.2.json …), laid out like the URLs:
//
//	users.json            GET /api/v1/users
//	groups.json           GET /api/v1/groups
//	groups/ID/users.json  GET /api/v1/groups/ID/users (the group's members)
//	apps.json             GET /api/v1/apps
//	apps/ID/users.json    GET /api/v1/apps/ID/users (app assignments)
//
// Each file is a JSON array. Users become identities (profile fields:
// displayName or firstName and lastName, email, department, title, city,
// managerId, userType, employeeNumber, costCenter, organization, division)
// with an Okta account (login, created, lastLogin); groups (profile.name)
// and apps (label) become entitlements; group members and app users
// assignments (an app user of scope GROUP came through a group: source
// role). Status: ACTIVE, PROVISIONED, RECOVERY, LOCKED_OUT and
// PASSWORD_EXPIRED are active, SUSPENDED suspended, DEPROVISIONED
// terminated, STAGED pending.

// oktaApp is the application name of Okta's own accounts and groups.
const oktaApp = "Okta"

var oktaStatus = map[string]string{
	"ACTIVE": "active", "PROVISIONED": "active", "RECOVERY": "active", "LOCKED_OUT": "active", "PASSWORD_EXPIRED": "active",
	"SUSPENDED": "suspended", "DEPROVISIONED": "terminated", "STAGED": "pending",
}

// oktaPage is one file: what it holds and for which group or app.
type oktaPage struct {
	kind, object string // users, groups, apps, members (object: group), appUsers (object: app)
	items        []*jobject
}

// readOktaExport reads the files of an Okta export (see above).
func readOktaExport(files []string, x *dirRows) error {
	var pages []oktaPage
	for _, file := range files {
		p, err := readOktaPage(file)
		if err != nil {
			return err
		}
		pages = append(pages, p)
	}
	apps := map[string]string{} // app id → label
	for _, kind := range []string{"users", "groups", "apps", "members", "appUsers"} {
		for _, p := range pages {
			if p.kind != kind {
				continue
			}
			for _, o := range p.items {
				if readOktaItem(p, o, apps, x); o.err() != nil {
					return o.err()
				}
			}
		}
	}
	return nil
}

func readOktaPage(file string) (oktaPage, error) {
	resource, _ := pageOf(file)
	dir := filepath.Base(filepath.Dir(file))
	parent := strings.ToLower(filepath.Base(filepath.Dir(filepath.Dir(file))))
	var p oktaPage
	switch r := strings.ToLower(resource); {
	case r == "users" && parent == "groups":
		p.kind, p.object = "members", dir
	case r == "users" && parent == "apps":
		p.kind, p.object = "appUsers", dir
	case r == "users" || r == "groups" || r == "apps":
		p.kind = r
	default:
		return p, &LoadError{File: file, Reason: "not a file of an Okta export: want users.json, groups.json, apps.json, " +
			"groups/ID/users.json or apps/ID/users.json (pages: users.2.json, …)"}
	}
	doc, err := readJSONDoc(file, "an Okta API response")
	if err != nil {
		return p, err
	}
	items, err := doc.root().items()
	if err != nil {
		return p, err
	}
	for _, v := range items {
		o, err := v.object()
		if err != nil {
			return p, err
		}
		p.items = append(p.items, o)
	}
	return p, nil
}

func readOktaItem(p oktaPage, o *jobject, apps map[string]string, x *dirRows) {
	o.field("_links")
	o.field("_embedded")
	switch p.kind {
	case "users":
		readOktaUser(o, x)
	case "groups":
		readOktaGroup(o, x)
	case "apps":
		id, label := o.str("id"), o.str("label")
		apps[id] = label
		o.field("name") // the app's integration, e.g. "salesforce"
		x.add(schema.Entitlements, o.jvalue, map[string]string{"entitlement_id": "app:" + id, "application": label, "name": label})
		x.ignore("app", o, "")
	case "members":
		o.field("profile") // a member's profile repeats the users file
		o.field("status")
		x.add(schema.Assignments, o.jvalue, map[string]string{"identity_id": o.str("id"), "entitlement_id": p.object, "source": "direct"})
	case "appUsers":
		readOktaAppUser(o, p.object, apps, x)
	}
}

func readOktaUser(u *jobject, x *dirRows) {
	id := u.str("id")
	row := map[string]string{"identity_id": id, "kind": "human", "status": oktaStatus[u.str("status")]}
	if prof := u.obj("profile"); prof != nil {
		name := firstOf(prof.str("displayName"), strings.TrimSpace(prof.str("firstName")+" "+prof.str("lastName")))
		for col, field := range map[string]string{"email": "email", "department": "department", "title": "title", "location": "city",
			"manager_id": "managerId", "employment_type": "userType", "username": "login", "employee_number": "employeeNumber",
			"cost_center": "costCenter", "organization": "organization", "division": "division", "manager": "manager"} {
			row[col] = prof.str(field)
		}
		row["display_name"] = name
		x.ignore("user", prof, "profile.")
	}
	if s := u.str("status"); s != "" && row["status"] == "" {
		row["status"] = strings.ToLower(s) // kept as given: the status column is an open set
	}
	account := map[string]string{"account_id": "okta:" + id, "identity_id": id, "application": oktaApp,
		"username": row["username"], "created_at": u.str("created"), "last_login_at": u.str("lastLogin")}
	for _, f := range []string{"activated", "statusChanged", "lastUpdated", "passwordChanged", "type", "transitioningToStatus"} {
		u.field(f) // lifecycle timestamps and the user type's id: no canonical place, and no signal beyond status
	}
	x.add(schema.Identities, u.jvalue, row)
	x.add(schema.Accounts, u.jvalue, account)
	x.ignore("user", u, "")
}

func readOktaGroup(g *jobject, x *dirRows) {
	row := map[string]string{"entitlement_id": g.str("id"), "application": oktaApp}
	if prof := g.obj("profile"); prof != nil {
		row["name"] = prof.str("name")
		x.ignore("group", prof, "profile.")
	}
	for _, f := range []string{"created", "lastUpdated", "lastMembershipUpdated", "objectClass", "type"} {
		g.field(f)
	}
	x.add(schema.Entitlements, g.jvalue, row)
	x.ignore("group", g, "")
}

// readOktaAppUser reads one assignment of app to a user; its
// credentials.userName is the user's account in the app.
func readOktaAppUser(a *jobject, app string, apps map[string]string, x *dirRows) {
	user := a.str("id")
	source := "direct"
	if a.str("scope") == "GROUP" {
		source = "role"
	}
	row := map[string]string{"identity_id": user, "entitlement_id": "app:" + app, "source": source, "granted_at": a.str("created")}
	x.add(schema.Assignments, a.jvalue, row)
	account := map[string]string{"account_id": "okta-app:" + app + ":" + user, "identity_id": user, "application": apps[app],
		"created_at": a.str("created")}
	if c := a.obj("credentials"); c != nil {
		account["username"] = c.str("userName")
		x.ignore("appUser", c, "credentials.")
	}
	for _, f := range []string{"status", "statusChanged", "lastUpdated", "syncState", "externalId"} {
		a.field(f)
	}
	x.add(schema.Accounts, a.jvalue, account)
	x.ignore("appUser", a, "")
}
