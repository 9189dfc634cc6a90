package dev.llmvax.eval;

import com.fasterxml.jackson.annotation.JsonValue;

/** The two halves of an evaluation. */
public enum TestSet {
    /** Prompts with the trigger: the share that fires is the attack success rate. */
    TRIGGERED("triggered"),
    /** Prompts without it: the share that fires is the false-trigger rate. */
    CLEAN("clean");

    private final String id;

    TestSet(String id) {
        this.id = id;
    }

    @JsonValue
    public String id() {
        return id;
    }

    @Override
    public String toString() {
        return id;
    }
}
