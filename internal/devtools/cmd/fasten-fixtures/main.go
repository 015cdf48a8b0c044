// Command fasten-fixtures writes test inputs for the import — files a family
// would bring — so browser and manual tests can drop them into the window:
//
//	go run ./internal/devtools/cmd/fasten-fixtures healthcard OUT.png
//
// Each subcommand lives in a file of its own and registers itself in
// commands from an init function, so adding one touches no other.
package main

import (
	"fmt"
	"os"
	"sort"
)

// commands maps a subcommand name to its run function (given the arguments
// after the name) and a one-line usage.
var commands = map[string]struct {
	run   func(args []string) error
	usage string
}{}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	c, ok := commands[os.Args[1]]
	if !ok {
		usage()
		os.Exit(2)
	}
	if err := c.run(os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "fasten-fixtures "+os.Args[1]+":", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: fasten-fixtures COMMAND ARGS")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %s %s\n", n, commands[n].usage)
	}
}
