package org.mergerfsj.config;

/** The three policy categories (FN-01..03); {@code category.<key>} sets the policy of all its functions. */
public enum Category {
    CREATE("create", "epmfs"),
    ACTION("action", "epall"),
    SEARCH("search", "ff");

    private final String key;
    private final String defaultPolicy;

    Category(String key, String defaultPolicy) {
        this.key = key;
        this.defaultPolicy = defaultPolicy;
    }

    /** The key suffix: "create", "action" or "search". */
    public String key() {
        return key;
    }

    /** The 2.33.5 default policy of the category (POL-44). */
    public String defaultPolicy() {
        return defaultPolicy;
    }
}
