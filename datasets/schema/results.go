package schema

// Result tables hold what later stages computed. Every row carries the
// run_id of the runs row that wrote it; a run's rows are written in one
// transaction together with its runs row, so a run either is complete or
// does not exist.
var (
	Runs = Table{
		Name: "runs", Key: []string{"run_id"},
		Columns: []Column{
			{Name: "run_id", Type: Integer, Required: true}, text("command"),
			{Name: "snapshot_id", Type: Integer}, ts("started_at"), ts("finished_at"),
			text("status"), text("parameters"), text("summary"),
			// batch_id names the nightly batch (rolemine run) the run was a
			// stage of; empty for runs started by hand.
			text("batch_id"),
		},
	}
	Roles = Table{
		Name: "roles", Key: []string{"run_id", "role_id"},
		Columns: []Column{
			{Name: "run_id", Type: Integer, Required: true}, id("role_id"), text("name"), text("kind"),
			{Name: "members", Type: Integer}, {Name: "entitlements", Type: Integer}, text("rule"),
			{Name: "rule_precision", Type: Float}, {Name: "rule_recall", Type: Float},
		},
	}
	RoleEntitlements = Table{
		Name: "role_entitlements", Key: []string{"run_id", "role_id", "entitlement_id"},
		Columns: []Column{{Name: "run_id", Type: Integer, Required: true}, id("role_id"), id("entitlement_id")},
	}
	RoleMembers = Table{
		Name: "role_members", Key: []string{"run_id", "role_id", "identity_id"},
		Columns: []Column{{Name: "run_id", Type: Integer, Required: true}, id("role_id"), id("identity_id")},
	}
	RoleExceptions = Table{
		Name: "role_exceptions", Key: []string{"run_id", "identity_id", "entitlement_id"},
		Columns: []Column{{Name: "run_id", Type: Integer, Required: true}, id("identity_id"), id("entitlement_id"), text("kind")},
	}
	Metrics = Table{
		Name: "metrics", Key: []string{"run_id", "metric"},
		Columns: []Column{{Name: "run_id", Type: Integer, Required: true}, id("metric"), {Name: "value", Type: Float}},
	}
)

// Role lineage: how the roles of a mine run relate to the previous run's.
var (
	// RoleChanges has one row per role of the run (added, drifted or
	// unchanged, keeping the id of the role it continues) and one per role
	// of the previous run that has no successor (removed).
	RoleChanges = Table{
		Name: "role_changes", Key: []string{"run_id", "role_id"},
		Columns: []Column{
			{Name: "run_id", Type: Integer, Required: true}, id("role_id"), {Name: "previous_run_id", Type: Integer},
			text("change"), {Name: "jaccard", Type: Float},
			{Name: "entitlements_added", Type: Integer}, {Name: "entitlements_removed", Type: Integer},
			{Name: "members_before", Type: Integer}, {Name: "members_after", Type: Integer},
		},
	}
)

// Evaluation results: the curves of an evaluate run's backtest and the
// policy it wrote, so reports and notebooks can draw them. grp is
// "overall" or a risk tier.
var (
	EvaluationSweep = Table{
		Name: "evaluation_sweep", Key: []string{"run_id", "grp", "threshold"},
		Columns: []Column{
			{Name: "run_id", Type: Integer, Required: true}, id("grp"), {Name: "threshold", Type: Float},
			{Name: "auto_approved", Type: Integer}, {Name: "correct", Type: Integer},
			{Name: "precision", Type: Float}, {Name: "precision_lower", Type: Float},
			{Name: "recall", Type: Float}, {Name: "coverage", Type: Float},
		},
	}
	EvaluationReliability = Table{
		Name: "evaluation_reliability", Key: []string{"run_id", "grp", "bin_lo"},
		Columns: []Column{
			{Name: "run_id", Type: Integer, Required: true}, id("grp"), {Name: "bin_lo", Type: Float}, {Name: "bin_hi", Type: Float},
			{Name: "n", Type: Integer}, {Name: "mean_probability", Type: Float}, {Name: "approved_share", Type: Float},
		},
	}
	EvaluationROC = Table{
		Name: "evaluation_roc", Key: []string{"run_id", "grp", "seq"},
		Columns: []Column{
			{Name: "run_id", Type: Integer, Required: true}, id("grp"), {Name: "seq", Type: Integer},
			{Name: "false_positive_rate", Type: Float}, {Name: "true_positive_rate", Type: Float},
		},
	}
	PolicyTiers = Table{
		Name: "policy_tiers", Key: []string{"run_id", "tier"},
		Columns: []Column{
			{Name: "run_id", Type: Integer, Required: true}, id("policy_id"), id("tier"), {Name: "auto_approve", Type: Bool},
			{Name: "threshold", Type: Float}, {Name: "probability", Type: Float}, {Name: "held_out", Type: Integer},
			{Name: "auto_approved", Type: Integer}, {Name: "expected_coverage", Type: Float},
			{Name: "expected_precision", Type: Float}, {Name: "precision_lower", Type: Float}, {Name: "precision_upper", Type: Float},
			text("reason"),
		},
	}
	// PolicyModels holds the fitted model of every unexpired policy an
	// evaluate run (run_id) wrote, so triage and score load it instead of
	// refitting: the model's binary form (eval/model, format_version), its
	// SHA-256 (hex), which the policy file references, its size in bytes
	// and the policy's expiry, after which a later evaluate deletes it.
	PolicyModels = Table{
		Name: "policy_models", Key: []string{"policy_id"},
		Columns: []Column{
			{Name: "run_id", Type: Integer, Required: true}, id("policy_id"), id("model_sha256"),
			{Name: "format_version", Type: Integer}, {Name: "bytes", Type: Integer}, ts("expires_at"),
			{Name: "model", Type: Blob},
		},
	}
)

// Triage and its outcomes.
var (
	// TriageDecisions has one row per pending request a triage run routed.
	// qa_sample marks auto-approvals also sent to human quality review.
	TriageDecisions = Table{
		Name: "triage_decisions", Key: []string{"run_id", "request_id"},
		Columns: []Column{
			{Name: "run_id", Type: Integer, Required: true}, id("request_id"), text("identity_id"), id("entitlement_id"),
			text("application"), text("tier"), text("route"), {Name: "qa_sample", Type: Bool},
			{Name: "probability", Type: Float}, {Name: "score", Type: Float}, text("rule"), text("reason"),
			text("policy_id"), text("evidence"),
		},
	}
	// DecisionLog is the append-only audit log of every automated decision
	// (triage routes, tier suspensions), never updated or deleted; what
	// humans decided afterwards is in the outcomes table. Each entry's hash covers its content and the
	// previous entry's hash, so a rewrite breaks the chain.
	DecisionLog = Table{
		Name: "decision_log", Key: []string{"seq"},
		Columns: []Column{
			{Name: "seq", Type: Integer, Required: true}, ts("logged_at"), {Name: "run_id", Type: Integer},
			{Name: "snapshot_id", Type: Integer}, text("actor"), text("action"), text("subject_id"),
			text("rule"), text("reason"), text("policy_id"), text("entry_hash"), text("previous_hash"),
		},
	}
	// OutcomeStats are the error rates an outcomes run measured per risk
	// tier and policy, with two-sided Clopper-Pearson intervals at the
	// policy's confidence: one row per triage run (triage_run_id) and one
	// over all triage runs under the policy (triage_run_id NULL), which the
	// circuit breaker judges.
	OutcomeStats = Table{
		Name: "outcome_stats", Key: []string{"run_id", "policy_id", "tier", "triage_run_id"},
		Columns: []Column{
			{Name: "run_id", Type: Integer, Required: true}, id("policy_id"), id("tier"),
			{Name: "triage_run_id", Type: Integer}, {Name: "triage_runs", Type: Integer}, {Name: "requests", Type: Integer},
			{Name: "auto_approved", Type: Integer}, {Name: "qa_sampled", Type: Integer}, {Name: "verified", Type: Integer},
			{Name: "false_approvals", Type: Integer}, {Name: "false_approval_rate", Type: Float},
			{Name: "false_approval_lower", Type: Float}, {Name: "false_approval_upper", Type: Float},
			{Name: "rollbacks", Type: Integer}, {Name: "rollback_rate", Type: Float},
			{Name: "rollback_lower", Type: Float}, {Name: "rollback_upper", Type: Float},
			{Name: "reviewed", Type: Integer}, {Name: "false_escalations", Type: Integer},
			{Name: "false_escalation_rate", Type: Float}, {Name: "median_hours_to_decision", Type: Float},
		},
	}
	// TierStates record, per outcomes run, each tier's automation state
	// under the policy (automated, suspended, not-automated) and any
	// recommendation to expand, with the reason. A suspension holds for
	// every later triage under the same policy.
	TierStates = Table{
		Name: "tier_states", Key: []string{"run_id", "policy_id", "tier"},
		Columns: []Column{
			{Name: "run_id", Type: Integer, Required: true}, id("policy_id"), id("tier"), text("state"),
			{Name: "recommend_expand", Type: Bool}, text("reason"),
		},
	}
)

// Batches are the nightly batches (rolemine run), one row per batch, kept
// up to date as it runs: status running, ok or failed. A batch's stages are
// the runs rows carrying its batch_id.
var Batches = Table{
	Name: "batches", Key: []string{"batch_id"},
	Columns: []Column{
		id("batch_id"), text("night"), ts("as_of"), ts("started_at"), ts("finished_at"), text("status"),
		text("stage"), text("message"), {Name: "attempts", Type: Integer}, text("inputs"), text("output_dir"),
	},
}

// Identity hygiene and access review.
var (
	// HygieneFindings has one row per finding of a hygiene run: the check,
	// its severity, the subject (and a related record, e.g. the other
	// identity of a duplicate pair), a confidence in [0, 1], the evidence
	// in words and the suggested next step.
	HygieneFindings = Table{
		Name: "hygiene_findings", Key: []string{"run_id", "check", "subject_type", "subject_id", "related_type", "related_id"},
		Columns: []Column{
			{Name: "run_id", Type: Integer, Required: true}, id("check"), id("severity"), text("subject_type"),
			text("subject_id"), text("related_type"), text("related_id"), {Name: "confidence", Type: Float},
			text("evidence"), text("next_step"),
		},
	}
	// ReviewItems has one row per item of a review run's packets: the
	// access under review, the reviewer it went to (NULL if none could be
	// assigned), the suggestion with its confidence (NULL when the item is
	// left to the reviewer), the item's group and which way its evidence
	// leans. The evidence in words is in the packets.
	ReviewItems = Table{
		Name: "review_items", Key: []string{"run_id", "identity_id", "entitlement_id"},
		Columns: []Column{
			{Name: "run_id", Type: Integer, Required: true}, text("reviewer_id"), id("identity_id"), id("entitlement_id"),
			id("suggestion"), {Name: "confidence", Type: Float}, text("item_group"), text("evidence_leans"),
		},
	}
)

// Results lists the result tables.
func Results() []Table {
	return []Table{Runs, Roles, RoleEntitlements, RoleMembers, RoleExceptions, Metrics, RoleChanges,
		EvaluationSweep, EvaluationReliability, EvaluationROC, PolicyTiers, PolicyModels,
		TriageDecisions, DecisionLog, OutcomeStats, TierStates, Batches,
		HygieneFindings, ReviewItems}
}

// LookupResult returns the result table called name.
func LookupResult(name string) (Table, bool) {
	for _, t := range Results() {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}
