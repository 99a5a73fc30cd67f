package dev.switchboard.sandbox;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.switchboard.files.Fragment;
import dev.switchboard.files.FragmentService;
import dev.switchboard.provider.FileData;
import dev.switchboard.provider.SandboxHandle;
import dev.switchboard.provider.SandboxProvider;
import dev.switchboard.provider.SkippedFile;
import io.smallrye.mutiny.Uni;

/** The switch's restore-files step: a fragment's files written into the new sandbox, what could not be written reported. */
@ApplicationScoped
public class Restorer {

    /** What restore-files did. */
    public record Restored(Fragment fragment, int files, List<SkippedFile> skipped) {
    }

    private final SandboxProvider provider;
    private final FragmentService fragments;
    private final SandboxEvents events;

    public Restorer(SandboxProvider provider, FragmentService fragments, SandboxEvents events) {
        this.provider = provider;
        this.fragments = fragments;
        this.events = events;
    }

    /** Writes the fragment's files; a file the provider cannot write is skipped and reported, never fatal. */
    public Uni<Restored> restore(String userId, SandboxHandle sandbox, Fragment fragment) {
        if (fragment == null || fragment.fileCount() == 0) {
            return Uni.createFrom().item(new Restored(fragment, 0, List.of()));
        }
        return fragments.files(fragment.id())
                .chain(files -> provider.writeFiles(sandbox, files.stream()
                        .map(f -> new FileData(f.path(), f.content(), f.executable())).toList())
                        .map(skipped -> new Restored(fragment, files.size() - skipped.size(), List.copyOf(skipped))))
                .call(r -> events.record(userId, sandbox.id(), "restored", null, r.files() + " files"
                        + (r.skipped().isEmpty() ? "" : ", " + r.skipped().size() + " skipped: " + r.skipped()), provider.name()));
    }
}
