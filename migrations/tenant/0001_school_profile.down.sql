DROP TABLE school_profile;
