package hygiene

import (
	"fmt"
	"slices"
)

// Options select and tune the checks.
type Options struct {
	// Checks to run (names from Checks); nil runs all.
	Checks []string
	// DormantDays: an account without a login for longer is dormant.
	DormantDays int
	// UnusedDays: access without use for longer is unused.
	UnusedDays int
	// RotationDays is the credential rotation policy for non-human
	// identities; RotationByKind overrides it per kind (service, bot, …).
	RotationDays   int
	RotationByKind map[string]int
	// CertificationDays is the campaign period: access not certified
	// within it is stale.
	CertificationDays int
	// CertifyBirthright counts birthright access in certification
	// coverage; by default it is expected to be exempt from campaigns.
	CertifyBirthright bool
	Duplicates        DuplicateOptions
	Outliers          OutlierOptions
}

// DefaultOptions are common governance policies: 90 days for dormancy,
// unused access and credential rotation, a 180-day campaign period.
var DefaultOptions = Options{
	DormantDays:       90,
	UnusedDays:        90,
	RotationDays:      90,
	CertificationDays: 180,
	Duplicates:        DefaultDuplicateOptions,
	Outliers:          DefaultOutlierOptions,
}

// Run runs the selected checks on d, which must be prepared. Every check
// that lacks the data it needs says so in a notice finding instead of
// reporting nothing. An unknown check name or a non-positive period is
// misuse and panics.
func Run(d *Data, opts Options) *Report {
	d.checkPrepared()
	for _, name := range opts.Checks {
		if !slices.Contains(Checks, name) {
			panic(fmt.Sprintf("hygiene: unknown check %q", name))
		}
	}
	if opts.DormantDays <= 0 || opts.UnusedDays <= 0 || opts.RotationDays <= 0 || opts.CertificationDays <= 0 {
		panic(fmt.Sprintf("hygiene: periods must be positive: %+v", opts))
	}
	rep := &Report{AsOf: d.AsOf, Warnings: slices.Clone(d.Warnings)}
	selected := func(name string) bool { return opts.Checks == nil || slices.Contains(opts.Checks, name) }
	// Duplicate detection is the costliest check and independent of the
	// others: it runs on its own goroutine with its own checker.
	dup := &checker{d: d, opts: opts}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if selected(CheckDuplicateIdentity) {
			dup.st = &CheckStats{Check: CheckDuplicateIdentity}
			dup.duplicateIdentities()
		}
	}()
	c := &checker{d: d, opts: opts, dormantApp: map[identityApp]bool{}}
	// Peer coverage, which the last checks need, is computed meanwhile
	// too.
	if selected(CheckOutlierAccess) || selected(CheckPrivilegedNoRole) && len(d.Roles) > 0 {
		c.pending = make(chan *Peers, 1)
		go func() { c.pending <- ComputePeers(d, opts.Outliers) }()
	}
	stats := map[string]CheckStats{}
	for _, cf := range checkFuncs {
		if cf.name == CheckDuplicateIdentity || !selected(cf.name) {
			continue
		}
		c.st = &CheckStats{Check: cf.name}
		cf.run(c)
		stats[cf.name] = *c.st
	}
	<-done
	if c.pending != nil {
		<-c.pending // not needed after all
	}
	if dup.st != nil {
		stats[CheckDuplicateIdentity] = *dup.st
	}
	for _, cf := range checkFuncs {
		if st, ok := stats[cf.name]; ok {
			rep.Stats = append(rep.Stats, st)
		}
	}
	// The duplicate findings, a few, go first, and the report's slice is
	// allocated once: the others are millions at a million identities,
	// and already in check order.
	rep.Findings = c.out.appendTo(dup.out.appendTo(make([]Finding, 0, dup.out.len()+c.out.len())))
	sortFindings(rep.Findings)
	rep.Duplicates, rep.Peers = dup.pairs, c.peers
	return rep
}

// checkFuncs run in this order: dormant-account before unused-access (which
// skips access in dormant accounts), outlier-access computes the peers.
var checkFuncs = []struct {
	name string
	run  func(*checker)
}{
	{CheckDuplicateIdentity, nil}, // run by Run on its own goroutine
	{CheckDuplicateAccount, (*checker).duplicateAccounts},
	{CheckOrphanAccount, (*checker).orphanAccounts},
	{CheckTerminatedAccess, (*checker).terminatedAccess},
	{CheckDormantAccount, (*checker).dormantAccounts},
	{CheckUnusedAccess, (*checker).unusedAccess},
	{CheckNonHumanOwner, (*checker).nonHumanOwners},
	{CheckCredentialRotation, (*checker).credentialRotation},
	{CheckStaleCertification, (*checker).staleCertifications},
	{CheckEntitlementOwner, (*checker).entitlementOwners},
	{CheckSoDViolation, (*checker).sodViolations},
	{CheckPrivilegedNoRole, (*checker).privilegedOutsideRole},
	{CheckOutlierAccess, (*checker).outlierAccess},
}
