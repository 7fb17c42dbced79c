package hygiene

import (
	"testing"
	"time"
)

// ts parses a date of the fixtures.
func ts(t testing.TB, s string) int64 {
	t.Helper()
	if s == "" {
		return 0
	}
	v, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return v.Unix()
}

// fixture is a small organisation with one instance of most problems, as of
// 2025-01-01:
//
//   - finance clerks C1…C4, I1 (José García), I3 (Bob Smith) and I5 (Ann
//     Lee) under manager M1 hold E1 and E2; I2 (GARCIA, JOSE) is a second
//     identity of I1 and I4 (Robert Smith) of I3;
//   - I5 holds E4, which no peer holds, never used (outlier; no use is
//     recorded in its application hr); C4 last used E2 in 2024-06 (unused);
//   - I3 holds the privileged E3 by request (outside a role, outlier);
//   - I1 holds E5, completing SoD rule R1 with E2;
//   - T1 left on 2024-06-01 but holds E1 and logged in after leaving;
//   - accounts: I1 has a second (admin) account in fin; A3 is orphaned and
//     named like I1's; I5's fin account is dormant;
//   - non-humans: S1 (owner T1, who left; credential rotated a year ago),
//     S2 (no owner, never rotated), S3 (owned by M1, rotated recently);
//   - E3's owner T1 left and E4 has no owner;
//   - (I1, E1) was certified in 2024-09, (I3, E1) in 2024-03 (stale).
func fixture(t testing.TB) *Data {
	d := NewData()
	d.AsOf = ts(t, "2025-01-01")
	clerk := func(id, name, email, hired string) Identity {
		return Identity{ID: id, Name: name, Email: email, Kind: "human", Status: "active", Department: "Finance",
			Title: "AP Clerk", Location: "Madrid", Manager: "M1", Employment: "employee", Hired: ts(t, hired)}
	}
	for _, id := range []Identity{
		{ID: "M1", Name: "Mary Boss", Email: "mary.boss@x.example", Kind: "human", Status: "active", Department: "Finance",
			Title: "Manager", Location: "Madrid", Employment: "employee", Hired: ts(t, "2010-01-01")},
		clerk("C1", "Carla Uno", "carla.uno@x.example", "2015-03-01"),
		clerk("C2", "Carlos Dos", "carlos.dos@x.example", "2016-04-01"),
		clerk("C3", "Clara Tres", "clara.tres@x.example", "2017-05-01"),
		clerk("C4", "Cora Cuatro", "cora.cuatro@x.example", "2018-06-01"),
		clerk("I1", "José García", "jose.garcia@x.example", "2020-01-01"),
		clerk("I2", "GARCIA, JOSE", "", "2020-01-10"),
		clerk("I3", "Bob Smith", "bob.smith@x.example", "2019-02-01"),
		clerk("I4", "Robert Smith", "rsmith@x.example", "2019-02-15"),
		clerk("I5", "Ann Lee", "ann.lee@x.example", "2012-07-01"),
		{ID: "T1", Name: "Tom Gone", Kind: "human", Status: "terminated", Department: "Finance", Title: "AP Clerk",
			Manager: "M1", Hired: ts(t, "2014-01-01"), Terminated: ts(t, "2024-06-01")},
		{ID: "S1", Name: "svc-etl", Kind: "service", Status: "active", Owner: "T1", Hired: ts(t, "2020-01-01")},
		{ID: "S2", Name: "bot-x", Kind: "bot", Status: "active", Hired: ts(t, "2021-01-01")},
		{ID: "S3", Name: "svc-report", Kind: "service", Status: "active", Owner: "M1", Hired: ts(t, "2021-01-01")},
	} {
		d.AddIdentity(id)
	}
	for _, e := range []Entitlement{
		{ID: "E1", Application: "fin", Name: "read", Risk: "low", Owner: "M1"},
		{ID: "E2", Application: "fin", Name: "post", Risk: "high", Owner: "M1"},
		{ID: "E3", Application: "fin", Name: "admin", Risk: "critical", Privileged: true, Owner: "T1"},
		{ID: "E4", Application: "hr", Name: "view", Risk: "low"},
		{ID: "E5", Application: "fin", Name: "approve", Risk: "medium", Owner: "M1"},
	} {
		d.AddEntitlement(e)
	}
	recent, old := ts(t, "2024-12-20"), ts(t, "2023-01-01")
	for _, id := range []string{"C1", "C2", "C3", "C4", "I1", "I3", "I5", "I2", "I4"} {
		d.AddAssignment(id, "E1", old, recent, SourceRole)
		used := recent
		if id == "C4" {
			used = ts(t, "2024-06-01")
		}
		d.AddAssignment(id, "E2", old, used, SourceRole)
	}
	d.AddAssignment("I5", "E4", old, 0, SourceDirect)
	d.AddAssignment("I3", "E3", old, recent, SourceRequest)
	d.AddAssignment("I1", "E5", ts(t, "2024-11-01"), recent, SourceDirect)
	d.AddAssignment("T1", "E1", old, ts(t, "2024-05-30"), SourceRole)
	d.AddAssignment("S1", "E1", old, recent, SourceDirect)
	for _, a := range []Account{
		{ID: "A1", IdentityID: "I1", Application: "fin", Username: "jgarcia", Created: old, LastLogin: recent},
		{ID: "A2", IdentityID: "I1", Application: "fin", Username: "adm-jgarcia", Created: recent, LastLogin: recent},
		{ID: "A3", Application: "fin", Username: "old-jgarcia", Created: old},
		{ID: "A4", IdentityID: "I5", Application: "fin", Username: "alee", Created: old, LastLogin: ts(t, "2024-01-01")},
		{ID: "A5", IdentityID: "T1", Application: "fin", Username: "tgone", Created: old, LastLogin: ts(t, "2024-07-01")},
		{ID: "A6", IdentityID: "S1", Application: "fin", Username: "svc-etl", Created: old, LastLogin: recent, Rotated: ts(t, "2024-01-01")},
		{ID: "A7", IdentityID: "S2", Application: "fin", Username: "bot-x", Created: old, LastLogin: recent},
		{ID: "A8", IdentityID: "S3", Application: "fin", Username: "svc-report", Created: old, LastLogin: recent, Rotated: ts(t, "2024-12-15")},
	} {
		d.AddAccount(a)
	}
	d.AddCertification("I1", "E1", "2024-Q3", ts(t, "2024-09-01"), "keep", "M1")
	d.AddCertification("I3", "E1", "2024-Q1", ts(t, "2024-03-01"), "keep", "M1")
	d.AddSoDRule("R1", "E2", "E5", "high")
	d.Prepare()
	return d
}

// fixtureOptions suit the small fixture: groups of two others count.
func fixtureOptions() Options {
	o := DefaultOptions
	o.Outliers.MinPeers = 2
	return o
}
