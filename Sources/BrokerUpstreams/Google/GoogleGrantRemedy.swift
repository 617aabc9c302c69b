/// What to tell a person whose Google refresh token died (`invalid_grant`, PROTOCOLS.md §1.6).
public enum GoogleGrantRemedy {
    public static let hint = "Link G Suite again. Likely causes: the access was removed in the Google Account, the link was unused for six months, "
        + "or the Google app is still in \"Testing\" (its refresh tokens expire after 7 days: publish it to Production)."
}
