// Command rolemine-beam mines the partitions of a snapshot on Apache Beam
// and merges the roles centrally, with ids stable across runs:
//
//	rolemine export --db rolemine.duckdb --what partitions --out parts
//	rolemine-beam --partitions parts --out night1
//	rolemine-beam --partitions parts --out night2 --previous night1
//
// The merged run is written as rolemine mine --out writes its roles
// (roles.csv, role_entitlements.csv, role_members.csv, role_changes.csv)
// plus merge.json; the roles as the workers mined them are in
// mined_roles.jsonl.
//
// The pipeline runs on Beam's direct runner, in this process, unless
// Beam's standard --runner flag names another, with that runner's flags:
//
//	--runner=flink    --endpoint=HOST:8099 --environment_type=LOOPBACK
//	--runner=spark    --endpoint=HOST:8099 --environment_type=LOOPBACK
//	--runner=dataflow --project=P --region=R --staging_location=gs://B/staging
//	--runner=prism    (Beam's newer local runner)
//
// With a remote runner, --partitions and --out must be paths the workers
// can read and write (gs:// needs Beam's gcs file system package).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx" // registers Beam's runners and file systems

	"rolemine/datasets/export"
	"rolemine/mining/beam/pipeline"
)

var (
	partitions = flag.String("partitions", "", "directory of rolemine export --what partitions (required)")
	out        = flag.String("out", "", "directory of the merged run (required)")
	previous   = flag.String("previous", "", "directory of the previous merged run, whose role ids continue")
	objective  = flag.String("objective", "", "exact mining: roles or wsc; default noise-tolerant mining, as rolemine mine")
	seed       = flag.Uint64("seed", pipeline.DefaultMiner.Seed, "random seed, as rolemine mine --seed")
)

func main() {
	flag.Parse()
	beam.Init()
	if *partitions == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: rolemine-beam --partitions DIR --out DIR [--previous DIR] [--objective roles|wsc] [--seed N] [--runner R]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	runner := *runners.Runner
	if runner == "" {
		runner = "direct"
	}
	man, err := export.ReadPartitionManifest(*partitions)
	if err != nil {
		log.Fatal(err)
	}
	job := pipeline.Job{Parts: pipeline.Files(*partitions, man), Miner: pipeline.Miner{Objective: *objective, Seed: *seed},
		Out: *out, Previous: *previous}
	run, err := pipeline.Run(ctx, runner, job)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("mined %d partitions of snapshot %d on the %s runner: %d roles, last id %d; wrote %s\n",
		len(job.Parts), man.Snapshot, runner, len(run.Roles), run.LastID, *out)
}
