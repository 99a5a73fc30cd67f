package dev.switchboard.project;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.switchboard.common.ProblemException;
import dev.switchboard.common.SwitchboardConfig;
import dev.switchboard.files.FragmentArchive;

/**
 * Checks a fragment's files before anything is stored (invariant 7): the one path rule, the JSON form of the
 * content, and the count and byte limits. Bad input is a 400 or 413 and stores nothing.
 */
@ApplicationScoped
public class FragmentRules {

    private final SwitchboardConfig.Limits limits;

    private final JsonFactory json;

    public FragmentRules(SwitchboardConfig config, ObjectMapper mapper) {
        this.limits = config.limits();
        this.json = mapper.getFactory();
    }

    /**
     * Reads a fragment's JSON body ({@code title}, {@code files}: path to a string or the base64 form) with every
     * rule and limit applied as it streams in; blocking, for a worker thread.
     */
    public FragmentBody.Parsed read(InputStream body) {
        try {
            return new FragmentBody(json, limits.maxFiles(), limits.maxFileBytes().asLongValue(),
                    limits.maxFragmentBytes().asLongValue()).read(body);
        } catch (JsonProcessingException e) {
            throw ProblemException.badRequest("The request body is not valid JSON");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The limits a {@code .tar.gz} upload is read with. */
    public FragmentArchive.Limits archiveLimits() {
        return new FragmentArchive.Limits(limits.maxFiles(), limits.maxFileBytes().asLongValue(),
                limits.maxFragmentBytes().asLongValue());
    }
}
