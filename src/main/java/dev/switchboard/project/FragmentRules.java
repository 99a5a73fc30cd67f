package dev.switchboard.project;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

import dev.switchboard.common.ProblemException;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.files.FileContent;
import dev.switchboard.files.FragmentArchive;
import dev.switchboard.files.ProjectPath;
import dev.switchboard.files.StoredFile;

/**
 * Checks a fragment's files before anything is stored (invariant 7): the one path rule, the JSON form of the
 * content, and the count and byte limits. Bad input is a 400 or 413 and stores nothing.
 */
@ApplicationScoped
public class FragmentRules {

    private final SwitchboardConfig.Limits limits;

    public FragmentRules(SwitchboardConfig config) {
        this.limits = config.limits();
    }

    /** Decodes the JSON {@code files} map (string or base64 form per file) into checked files. */
    public List<StoredFile> decode(Map<String, JsonNode> files) {
        if (files == null) {
            throw ProblemException.badRequest("files: must not be null");
        }
        if (files.size() > limits.maxFiles()) {
            throw ProblemException.tooLarge("A fragment holds at most " + limits.maxFiles() + " files; this one has " + files.size());
        }
        long total = 0;
        long maxFile = limits.maxFileBytes().asLongValue();
        List<StoredFile> decoded = new ArrayList<>(files.size());
        for (Map.Entry<String, JsonNode> e : files.entrySet()) {
            String path = e.getKey();
            ProjectPath.check(path);
            byte[] bytes = FileContent.decode(path, e.getValue());
            if (bytes.length > maxFile) {
                throw ProblemException.tooLarge("File '" + ProjectPath.printable(path) + "' has " + bytes.length
                        + " bytes; the limit is " + maxFile);
            }
            total += bytes.length;
            decoded.add(new StoredFile(path, bytes, false));
        }
        long maxTotal = limits.maxFragmentBytes().asLongValue();
        if (total > maxTotal) {
            throw ProblemException.tooLarge("The fragment has " + total + " bytes; the limit is " + maxTotal);
        }
        ProjectPath.checkNoFileIsAlsoADirectory(files.keySet());
        return decoded;
    }

    /** The limits a {@code .tar.gz} upload is read with. */
    public FragmentArchive.Limits archiveLimits() {
        return new FragmentArchive.Limits(limits.maxFiles(), limits.maxFileBytes().asLongValue(),
                limits.maxFragmentBytes().asLongValue());
    }
}
