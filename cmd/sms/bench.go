package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/loadtest"
)

// benchMarker marks a data directory the bench made, so that --data never adds bench
// schools to an appliance's real data.
const benchMarker = ".sms-bench"

func (c *cli) benchCommand() *cobra.Command {
	o := loadtest.Defaults()
	var list, fromStdin bool
	var jsonOut, cpuProfile string
	cmd := &cobra.Command{
		Use:   "bench [--scenario a,b] [--schools N] [--students N] [--conns 32] [--duration 10s] [--json FILE]",
		Short: "Load-test the appliance: build schools, serve them in this process, drive scenarios, report req/s, latency, memory and files",
		Long: `Builds schools with realistic data in a temporary data directory (or --data DIR, kept
for later runs), serves them from this process as sms serve does, and drives each
scenario with --conns connections for --duration. Prints a table and, with --json,
writes the numbers to a file. The load generator shares the process and its cores.

With --url, --host, --email and --password-stdin it drives a running server's student
list and search instead (the list scenario only).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				for _, s := range loadtest.Scenarios {
					fmt.Fprintf(c.out(), "%-11s %s\n", s.Name, s.About)
				}
				return nil
			}
			if fromStdin {
				pw, err := c.readPassword(true)
				if err != nil {
					return err
				}
				o.Password = pw
			}
			// Checked before the directory is touched: a mistake writes nothing.
			if err := o.Check(); err != nil {
				return usageError{errors.New(oneLine(err))}
			}
			if cmd.Flags().Changed("data") {
				if err := claimBenchDir(c.cfg.DataDir); err != nil {
					return usageError{errors.New(oneLine(err))}
				}
				o.DataDir = c.cfg.DataDir
			}
			o.Progress = c.env.Stderr
			if cpuProfile != "" {
				stop, err := startCPUProfile(cpuProfile)
				if err != nil {
					return err
				}
				defer stop()
			}
			rep, err := loadtest.Run(cmd.Context(), o)
			if len(rep.Rows) > 0 {
				fmt.Fprintln(c.out())
				rep.WriteTable(c.out())
			}
			if jsonOut != "" && len(rep.Rows) > 0 {
				if werr := writeJSONFile(jsonOut, rep); werr != nil {
					err = errors.Join(err, werr)
				}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVar(&list, "list", false, "name the scenarios and stop")
	f.StringSliceVar(&o.Scenarios, "scenario", nil, "scenarios to run, comma-separated (default all: "+scenarioNames()+")")
	f.IntVar(&o.Schools, "schools", o.Schools, "schools of the schools scenario")
	f.IntVar(&o.Students, "students", o.Students, "students of the main school (the list, attendance, webhooks and sign-in school)")
	f.IntVar(&o.SchoolStudents, "school-students", o.SchoolStudents, "students of each school of the schools scenario")
	f.IntVar(&o.Conns, "conns", o.Conns, "concurrent connections")
	f.DurationVar(&o.Duration, "duration", o.Duration, "length of each measured run")
	f.IntSliceVar(&o.Caps, "caps", o.Caps, "pool caps of the schools scenario (the appliance restarts for each)")
	f.StringVar(&jsonOut, "json", "", "also write the report as JSON to this file")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run (server and load generator) to this file, for go tool pprof")
	f.StringVar(&o.URL, "url", "", "drive a running server at this address (e.g. http://10.0.0.5:8080) instead")
	f.StringVar(&o.Host, "host", "", "with --url: the school's host name")
	f.StringVar(&o.Email, "email", "", "with --url: an account of the school")
	f.BoolVar(&fromStdin, "password-stdin", false, "with --url: read the account's password from standard input")
	return cmd
}

func scenarioNames() string {
	var names []string
	for _, s := range loadtest.Scenarios {
		names = append(names, s.Name)
	}
	return strings.Join(names, ",")
}

// claimBenchDir accepts a data directory for the bench: a new or empty one (which it
// marks) or one an earlier bench made. Anything else may be an appliance's real data.
func claimBenchDir(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, benchMarker)); err == nil {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return errs.Field("--data", err.Error())
	}
	if len(entries) > 0 {
		return errs.Field("--data", fmt.Sprintf("%s holds data the bench did not make; give a new or empty directory", dir))
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return errs.Field("--data", err.Error())
	}
	return os.WriteFile(filepath.Join(dir, benchMarker), []byte("made by sms bench: schools here are test data\n"), 0o640)
}

// startCPUProfile profiles the process until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func writeJSONFile(path string, rep loadtest.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--json: %w", err)
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return fmt.Errorf("--json: %w", err)
	}
	return f.Close()
}
