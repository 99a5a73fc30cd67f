package dev.switchboard.provider.local;

import java.util.List;
import java.util.Map;

/**
 * How a command enters its sandbox: the command line in front of {@code /bin/bash -c} ({@code nsenter} into the
 * sandbox's namespaces, its limits, dropped capabilities) and the environment it starts with. Empty for a command
 * that runs unisolated in the sandbox's files directory.
 */
record IsolatedCommand(List<String> prefix, Map<String, String> env) {

    static final IsolatedCommand NONE = new IsolatedCommand(List.of(), Map.of());

    IsolatedCommand {
        prefix = List.copyOf(prefix);
        env = Map.copyOf(env);
    }

    boolean isolated() {
        return !prefix.isEmpty();
    }
}
