package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// packageJSON is the part of a package.json this host reads.
type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          *struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

type resourcePlugin struct{ name, version, server string }

// walkPackages calls visit for every package installed under dir/node_modules,
// including scoped (@scope/name) and nested node_modules. Symlinked packages
// (npm link, pnpm) are followed once.
func walkPackages(dir string, visit func(pkgDir string, p *packageJSON)) error {
	seen := map[string]bool{}
	var walk func(nodeModules string) error
	walk = func(nodeModules string) error {
		entries, err := os.ReadDir(nodeModules)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			path := filepath.Join(nodeModules, name)
			if strings.HasPrefix(name, "@") {
				if err := walk(path); err != nil { // a scope: its children are packages
					return err
				}
				continue
			}
			real, err := filepath.EvalSymlinks(path)
			if err != nil || seen[real] {
				continue
			}
			seen[real] = true
			if p, err := readPackageJSON(filepath.Join(real, "package.json")); err == nil {
				visit(real, p)
			}
			if err := walk(filepath.Join(real, "node_modules")); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(filepath.Join(dir, "node_modules"))
}

// findResourcePlugins lists the resource plugins that the installed packages
// declare with `"pulumi": {"resource": true, ...}` in their package.json.
func findResourcePlugins(dir string) ([]resourcePlugin, error) {
	found := map[resourcePlugin]bool{}
	err := walkPackages(dir, func(_ string, p *packageJSON) {
		if p.Pulumi == nil || !p.Pulumi.Resource {
			return
		}
		name := p.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(p.Name, "@pulumi/")
		}
		version := p.Pulumi.Version
		if version == "" {
			version = p.Version
		}
		if version != "" && !strings.HasPrefix(version, "v") {
			version = "v" + version
		}
		found[resourcePlugin{name: name, version: version, server: p.Pulumi.Server}] = true
	})
	if err != nil {
		return nil, err
	}
	plugins := make([]resourcePlugin, 0, len(found))
	for p := range found {
		plugins = append(plugins, p)
	}
	sort.Slice(plugins, func(i, j int) bool {
		if plugins[i].name != plugins[j].name {
			return plugins[i].name < plugins[j].name
		}
		return plugins[i].version < plugins[j].version
	})
	return plugins, nil
}

// programDependencies lists the program's dependencies with their installed
// versions: the direct ones of package.json, or every installed package.
func programDependencies(dir string, transitive bool) ([]*pulumirpc.DependencyInfo, error) {
	var deps []*pulumirpc.DependencyInfo
	if transitive {
		err := walkPackages(dir, func(_ string, p *packageJSON) {
			deps = append(deps, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
		})
		if err != nil {
			return nil, err
		}
	} else {
		root, err := readPackageJSON(filepath.Join(dir, "package.json"))
		if err != nil {
			return nil, err
		}
		names := map[string]bool{}
		for n := range root.Dependencies {
			names[n] = true
		}
		for n := range root.DevDependencies {
			names[n] = true
		}
		for n := range names {
			version := root.Dependencies[n]
			if version == "" {
				version = root.DevDependencies[n]
			}
			if p, err := readPackageJSON(filepath.Join(dir, "node_modules", n, "package.json")); err == nil {
				version = p.Version
			}
			deps = append(deps, &pulumirpc.DependencyInfo{Name: n, Version: version})
		}
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return deps, nil
}
