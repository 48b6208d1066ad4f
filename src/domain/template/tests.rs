//! The template language's unit tests: every command, every check-order rule, hostile input.
use super::*;

#[test]
fn run_with_an_unterminated_quote_is_invalid_content() {
    assert!(matches!(
        parse("RUN echo 'hello", Context::Build),
        Err(TemplateError::InvalidContent { keyword: Keyword::Run, .. })
    ));
    assert!(parse("RUN echo \"it's\" 'a \\ b'", Context::Build).is_ok());
    // A backslash is literal inside single quotes, so this quote never closes.
    assert!(parse("RUN echo 'a \\' b'", Context::Build).is_err());
    assert!(parse("RUN echo \\\"x", Context::Build).is_ok());
}

fn ok_in(text: &str, context: Context) -> Program {
    match parse(text, context) {
        Ok(program) => program,
        Err(e) => panic!("expected {text:?} to parse, got {e:?}"),
    }
}

fn ok(text: &str) -> Program {
    ok_in(text, Context::Build)
}

fn err_in(text: &str, context: Context) -> TemplateError {
    match parse(text, context) {
        Ok(program) => panic!("expected {text:?} to fail, got {program:?}"),
        Err(e) => e,
    }
}

fn err(text: &str) -> TemplateError {
    err_in(text, Context::Build)
}

fn single(text: &str) -> Command {
    let program = ok(text);
    assert_eq!(program.steps.len(), 1, "{program:?}");
    match program.steps.into_iter().next() {
        Some(step) => step.command,
        None => panic!("no step"),
    }
}

fn assert_invalid(text: &str, expected: Keyword) -> String {
    match err(text) {
        TemplateError::InvalidContent { line: 1, keyword, reason } if keyword == expected => reason,
        other => panic!("expected InvalidContent {expected:?} for {text:?}, got {other:?}"),
    }
}

fn assert_empty(text: &str, expected: Keyword) {
    assert_eq!(err(text), TemplateError::EmptyContent { line: 1, keyword: expected }, "{text:?}");
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

// ----- splitting, blanks, comments, limits ------------------------------------------------

#[test]
fn empty_text_is_an_empty_program() {
    assert_eq!(ok(""), Program::default());
    assert_eq!(ok("\n\n   \n\t\r\n"), Program::default());
    assert_eq!(ok("# only a comment\n  # another\n"), Program::default());
}

#[test]
fn blank_and_comment_lines_are_ignored_and_lines_are_one_based() {
    let program = ok("\n# comment\nRUN a\n\n   # indented comment\nRESTART\n");
    let lines: Vec<usize> = program.steps.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![3, 6]);
}

#[test]
fn leading_and_trailing_whitespace_and_crlf_are_trimmed() {
    let program = ok("   RUN   echo hi   \r\n\tRESTART\t\r\n");
    assert_eq!(
        program.steps,
        vec![
            Step { line: 1, command: Command::Run { script: "echo hi".into() } },
            Step { line: 2, command: Command::Restart },
        ]
    );
}

#[test]
fn lower_case_keyword_is_an_unknown_command() {
    assert_eq!(err("RUN a\nrun echo hi"), TemplateError::UnknownCommand { line: 2, keyword: "run".into() });
}

#[test]
fn unknown_keyword_is_reported_with_the_keyword() {
    assert_eq!(err("ADD a b"), TemplateError::UnknownCommand { line: 1, keyword: "ADD".into() });
}

#[test]
fn content_of_exactly_16384_bytes_is_accepted() {
    let text = format!("RUN {}", "x".repeat(MAX_CONTENT_BYTES - 4));
    assert_eq!(text.len(), MAX_CONTENT_BYTES);
    assert_eq!(ok(&text).steps.len(), 1);
}

#[test]
fn content_of_16385_bytes_is_too_large() {
    let text = format!("RUN {}", "x".repeat(MAX_CONTENT_BYTES - 3));
    assert_eq!(err(&text), TemplateError::TooLarge { bytes: 16385 });
}

#[test]
fn size_is_measured_in_utf8_bytes() {
    // 5462 three-byte characters = 16386 bytes but only 5462 characters.
    let text = "中".repeat(5462);
    assert_eq!(err(&text), TemplateError::TooLarge { bytes: 16386 });
}

#[test]
fn size_is_checked_before_parsing() {
    let text = format!("BOGUS\n#{}", "x".repeat(MAX_CONTENT_BYTES));
    assert!(matches!(err(&text), TemplateError::TooLarge { .. }));
}

#[test]
fn exactly_127_commands_are_accepted() {
    let text = "RUN echo\n".repeat(MAX_COMMANDS);
    assert_eq!(ok(&text).steps.len(), 127);
}

#[test]
fn a_128th_command_is_too_many_commands() {
    let text = "RUN echo\n".repeat(MAX_COMMANDS + 1);
    assert_eq!(err(&text), TemplateError::TooManyCommands { count: 128 });
}

#[test]
fn a_multi_line_continued_command_counts_once() {
    let mut text = "RUN echo\n".repeat(MAX_COMMANDS - 1);
    text.push_str("RUN a \\\n b \\\n c\n");
    let program = ok(&text);
    assert_eq!(program.steps.len(), 127);
}

#[test]
fn blank_and_comment_lines_do_not_count_as_commands() {
    let text = "RUN echo\n\n# c\n".repeat(MAX_COMMANDS);
    assert_eq!(ok(&text).steps.len(), 127);
}

#[test]
fn command_count_is_checked_before_command_contents() {
    let text = format!("BOGUS\nRUN\n{}", "RUN echo\n".repeat(MAX_COMMANDS));
    assert_eq!(err(&text), TemplateError::TooManyCommands { count: 129 });
}

#[test]
fn the_first_error_in_text_order_is_reported() {
    assert_eq!(
        err("RUN ok\nWORKDIR\nBOGUS\nRESTART now"),
        TemplateError::EmptyContent { line: 2, keyword: Keyword::Workdir }
    );
}

#[test]
fn trailing_backslash_on_the_last_line_is_malformed() {
    assert!(matches!(err("RUN a\nRUN echo \\"), TemplateError::Malformed { line: 2, .. }));
    // Followed only by blank/comment lines is still dangling.
    assert!(matches!(err("RUN echo \\\n\n# c\n"), TemplateError::Malformed { line: 1, .. }));
}

#[test]
fn comment_line_inside_a_continuation_is_skipped() {
    assert_eq!(single("RUN echo a \\\n# a comment \\\n  echo b"), Command::Run { script: "echo a\necho b".into() });
}

#[test]
fn blank_line_inside_a_continuation_is_skipped() {
    assert_eq!(single("RUN echo a \\\n\n  echo b"), Command::Run { script: "echo a\necho b".into() });
}

#[test]
fn continued_command_reports_its_first_line() {
    let program = ok("RUN a\n\nRUN b \\\n c\nRESTART");
    let lines: Vec<usize> = program.steps.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![1, 3, 5]);
}

#[test]
fn keyword_may_stand_alone_on_a_continued_line() {
    assert_eq!(single("RUN \\\n  echo hi"), Command::Run { script: "echo hi".into() });
}

#[test]
fn test_context_accepts_the_same_commands_as_build() {
    let text = "RUN a\nCOMPONENT ic-abc\nRESTART";
    assert_eq!(ok_in(text, Context::Test), ok_in(text, Context::Build));
}

// ----- RUN / RESTART ------------------------------------------------------------------------

#[test]
fn run_doc_example_joins_continued_lines_with_newlines() {
    assert_eq!(single("RUN echo hello;\\\necho world;"), Command::Run { script: "echo hello;\necho world;".into() });
}

#[test]
fn run_without_content_is_empty_content() {
    assert_empty("RUN", Keyword::Run);
    assert_empty("RUN    ", Keyword::Run);
}

#[test]
fn restart_alone_is_accepted_in_every_context() {
    for context in [Context::Build, Context::Test, Context::Component] {
        assert_eq!(ok_in("RESTART", context).steps[0].command, Command::Restart);
    }
}

#[test]
fn restart_with_content_is_restart_with_content() {
    assert_eq!(err("RUN a\nRESTART now"), TemplateError::RestartWithContent { line: 2 });
}

// ----- ENV ----------------------------------------------------------------------------------

#[test]
fn env_single_pair_form_keeps_the_rest_of_the_line_as_value() {
    assert_eq!(
        single("ENV PATH_X /usr/bin:/bin  and more"),
        Command::Env { vars: pairs(&[("PATH_X", "/usr/bin:/bin  and more")]) }
    );
}

#[test]
fn env_multi_pair_form_parses_quoted_values() {
    assert_eq!(
        single(r#"ENV key1="value1" key2="value 2" _k3="a \"q\" \\ b""#),
        Command::Env { vars: pairs(&[("key1", "value1"), ("key2", "value 2"), ("_k3", r#"a "q" \ b"#)]) }
    );
}

#[test]
fn env_multi_pair_form_with_unquoted_value_is_invalid() {
    let reason = assert_invalid(r#"ENV a="1" b=2"#, Keyword::Env);
    assert!(reason.contains("double quotes"), "{reason}");
}

#[test]
fn env_with_invalid_key_is_invalid() {
    assert_invalid(r#"ENV 1a="x""#, Keyword::Env);
    assert_invalid(r#"ENV ="x""#, Keyword::Env);
    assert_invalid("ENV my-key value", Keyword::Env);
}

#[test]
fn env_with_unterminated_quote_or_glued_text_is_invalid() {
    assert_invalid(r#"ENV a="x"#, Keyword::Env);
    assert_invalid(r#"ENV a="x"b="y""#, Keyword::Env);
    assert_invalid(r#"ENV a="x" b"#, Keyword::Env);
}

#[test]
fn env_single_pair_without_value_is_invalid() {
    assert_invalid("ENV key", Keyword::Env);
}

#[test]
fn env_without_content_is_empty_content() {
    assert_empty("ENV", Keyword::Env);
}

// ----- WORKDIR ------------------------------------------------------------------------------

#[test]
fn workdir_accepts_one_path() {
    assert_eq!(single("WORKDIR /home/app"), Command::Workdir { path: "/home/app".into() });
    assert_eq!(single("WORKDIR path1/path2"), Command::Workdir { path: "path1/path2".into() });
}

#[test]
fn workdir_with_whitespace_is_invalid() {
    assert_invalid("WORKDIR /a /b", Keyword::Workdir);
    assert_invalid("WORKDIR /a \\\n/b", Keyword::Workdir);
}

#[test]
fn workdir_without_content_is_empty_content() {
    assert_empty("WORKDIR", Keyword::Workdir);
}

// ----- COPY ---------------------------------------------------------------------------------

#[test]
fn copy_accepts_a_url_source() {
    assert_eq!(
        single("COPY https://example.com/a.tar.gz /opt/"),
        Command::Copy { source: "https://example.com/a.tar.gz".into(), dest: "/opt/".into(), source_is_url: true }
    );
    assert!(matches!(single("COPY HTTP://example.com/x /opt"), Command::Copy { source_is_url: true, .. }));
}

#[test]
fn copy_accepts_a_local_source() {
    assert_eq!(
        single("COPY /tmp/a.txt /opt/"),
        Command::Copy { source: "/tmp/a.txt".into(), dest: "/opt/".into(), source_is_url: false }
    );
}

#[test]
fn copy_url_with_query_string_is_invalid() {
    let reason = assert_invalid("COPY http://example.com/a?x=1 /opt", Keyword::Copy);
    assert!(reason.contains("query string"), "{reason}");
}

#[test]
fn copy_needs_exactly_two_arguments() {
    let reason = assert_invalid("COPY /a", Keyword::Copy);
    assert_eq!(reason, "COPY takes exactly two arguments: <source> <destination>");
    assert_invalid("COPY /a /b /c", Keyword::Copy);
}

#[test]
fn copy_destination_must_not_be_a_url() {
    assert_invalid("COPY /a https://example.com/", Keyword::Copy);
}

#[test]
fn copy_other_url_schemes_and_hostless_urls_are_invalid() {
    assert_invalid("COPY ftp://example.com/a /opt", Keyword::Copy);
    assert_invalid("COPY http:// /opt", Keyword::Copy);
    assert_invalid("COPY https:///path /opt", Keyword::Copy);
}

#[test]
fn copy_without_content_is_empty_content() {
    assert_empty("COPY", Keyword::Copy);
}

// ----- USER ---------------------------------------------------------------------------------

#[test]
fn user_accepts_valid_user_names() {
    for name in ["root", "_svc", "ecs-user_1", "machine$", &"a".repeat(32)] {
        assert_eq!(single(&format!("USER {name}")), Command::User { name: name.into() });
    }
}

#[test]
fn user_with_invalid_name_is_invalid() {
    for text in ["USER Root", "USER 1user", "USER a b", "USER a$b", "USER -a", "USER $", "USER 用户"] {
        assert_invalid(text, Keyword::User);
    }
    assert_invalid(&format!("USER {}", "a".repeat(33)), Keyword::User);
}

#[test]
fn user_without_content_is_empty_content() {
    assert_empty("USER", Keyword::User);
}

// ----- LABEL --------------------------------------------------------------------------------

#[test]
fn label_doc_example_spans_two_lines() {
    assert_eq!(
        single("LABEL user=\"username\"\\\ndate=\"2020-11-11\" key=\"value\""),
        Command::Label { labels: pairs(&[("user", "username"), ("date", "2020-11-11"), ("key", "value")]) }
    );
}

#[test]
fn label_accepts_unquoted_and_empty_values() {
    assert_eq!(
        single(r#"LABEL a=1 com.example.v="x y" e="""#),
        Command::Label { labels: pairs(&[("a", "1"), ("com.example.v", "x y"), ("e", "")]) }
    );
}

#[test]
fn malformed_label_is_malformed() {
    for text in ["LABEL novalue", r#"LABEL ="x""#, r#"LABEL a="x"#, r#"LABEL a=b"c"#, r#"LABEL a="x"y"#] {
        assert!(matches!(err(text), TemplateError::Malformed { line: 1, .. }), "{text}");
    }
}

#[test]
fn label_without_content_is_empty_content() {
    assert_empty("LABEL", Keyword::Label);
}

// ----- CMD / ENTRYPOINT ---------------------------------------------------------------------

#[test]
fn cmd_exec_form_fills_exec() {
    assert_eq!(
        single(r#"CMD ["executable","param1", "param2"]"#),
        Command::Cmd { exec: vec!["executable".into(), "param1".into(), "param2".into()], shell: None }
    );
}

#[test]
fn cmd_shell_form_fills_shell() {
    assert_eq!(
        single("CMD command param1 param2"),
        Command::Cmd { exec: vec![], shell: Some("command param1 param2".into()) }
    );
}

#[test]
fn exec_form_decodes_json_escapes() {
    assert_eq!(
        single(r#"ENTRYPOINT ["a\"b", "\\\/\n\t", "\u00e9\ud83d\ude00"]"#),
        Command::Entrypoint { exec: vec!["a\"b".into(), "\\/\n\t".into(), "é😀".into()], shell: None }
    );
}

#[test]
fn exec_form_may_span_continued_lines() {
    assert_eq!(single("CMD [\"a\", \\\n  \"b\"]"), Command::Cmd { exec: vec!["a".into(), "b".into()], shell: None });
}

#[test]
fn invalid_exec_form_is_invalid_content() {
    for text in [
        "CMD [",
        "CMD []",
        "CMD [a, b]",
        r#"CMD ["a",]"#,
        r#"CMD ["a"] extra"#,
        r#"CMD ["a" "b"]"#,
        r#"CMD ["\x"]"#,
        r#"CMD ["\ud800"]"#,
        r#"CMD ["\u12"]"#,
        "CMD [\"a\tb\"]",
        "CMD ['a']",
    ] {
        assert_invalid(text, Keyword::Cmd);
    }
    assert_invalid("ENTRYPOINT [1]", Keyword::Entrypoint);
}

#[test]
fn entrypoint_shell_form_fills_shell() {
    assert_eq!(
        single("ENTRYPOINT /bin/app --flag"),
        Command::Entrypoint { exec: vec![], shell: Some("/bin/app --flag".into()) }
    );
}

#[test]
fn cmd_and_entrypoint_without_content_are_empty_content() {
    assert_empty("CMD", Keyword::Cmd);
    assert_empty("ENTRYPOINT", Keyword::Entrypoint);
}

// ----- FROM ---------------------------------------------------------------------------------

#[test]
fn from_accepts_image_and_image_family() {
    let program = ok("FROM IMAGE:m-bp67acfmxazb4p0000\nRUN a");
    assert_eq!(
        program.steps[0].command,
        Command::From { base_image_type: "IMAGE".into(), base_image: "m-bp67acfmxazb4p0000".into() }
    );
    assert_eq!(
        single("FROM IMAGE_FAMILY:acs:centos_7_9_x64_20g"),
        Command::From { base_image_type: "IMAGE_FAMILY".into(), base_image: "acs:centos_7_9_x64_20g".into() }
    );
}

#[test]
fn from_with_invalid_content_is_invalid() {
    for text in ["FROM OSS:bucket", "FROM image:m-1", "FROM IMAGE:", "FROM m-123", "FROM IMAGE:a b"] {
        assert_invalid(text, Keyword::From);
    }
}

#[test]
fn from_without_content_is_empty_content() {
    assert_empty("FROM", Keyword::From);
}

#[test]
fn a_second_from_is_duplicated_from() {
    assert_eq!(err("FROM IMAGE:m-1\nRUN a\nFROM IMAGE:m-2"), TemplateError::DuplicatedFrom { line: 3 });
}

#[test]
fn from_after_another_command_is_from_not_first() {
    assert_eq!(err("# c\nRUN a\nFROM IMAGE:m-1"), TemplateError::FromNotFirst { line: 3 });
}

#[test]
fn from_in_a_component_is_from_in_component() {
    assert_eq!(err_in("FROM IMAGE:m-1", Context::Component), TemplateError::FromInComponent { line: 1 });
}

// ----- COMPONENT ----------------------------------------------------------------------------

#[test]
fn component_by_id_is_accepted() {
    assert_eq!(
        single("COMPONENT ic-bp18hy47cqavewsb0000"),
        Command::Component { reference: ComponentRef::Id("ic-bp18hy47cqavewsb0000".into()), params: vec![] }
    );
}

#[test]
fn component_by_arn_with_wildcards_is_accepted() {
    assert_eq!(
        single("COMPONENT acs:ecs:cn-hangzhou:186891611860000:imagecomponent/ComponentName/1.*.*"),
        Command::Component {
            reference: ComponentRef::Arn {
                region: "cn-hangzhou".into(),
                account: "186891611860000".into(),
                name: "ComponentName".into(),
                version: VersionPattern { major: Some(1), minor: None, patch: None }
            },
            params: vec![]
        }
    );
}

#[test]
fn component_arn_accepts_a_colon_before_the_version() {
    let slash = single("COMPONENT acs:ecs:ap-southeast-1:123:imagecomponent/my.comp_1:x/1.0.*");
    let colon = single("COMPONENT acs:ecs:ap-southeast-1:123:imagecomponent/my.comp_1:x:1.0.*");
    assert_eq!(slash, colon);
    let Command::Component { reference, .. } = colon else {
        panic!("not a component");
    };
    assert_eq!(reference.to_string(), "acs:ecs:ap-southeast-1:123:imagecomponent/my.comp_1:x/1.0.*");
}

#[test]
fn component_arn_accepts_non_ascii_letters_in_the_name() {
    assert!(matches!(
        single("COMPONENT acs:ecs:cn-beijing:1:imagecomponent/组件-a/2.3.4"),
        Command::Component { reference: ComponentRef::Arn { .. }, .. }
    ));
}

#[test]
fn component_parameters_are_name_value_pairs() {
    assert_eq!(
        single(r#"COMPONENT ic-abc --x 1 --y -2 --msg "hello world" --a.b_c-d """#),
        Command::Component {
            reference: ComponentRef::Id("ic-abc".into()),
            params: pairs(&[("x", "1"), ("y", "-2"), ("msg", "hello world"), ("a.b_c-d", "")])
        }
    );
}

#[test]
fn component_parameters_may_span_continued_lines() {
    assert_eq!(
        single("COMPONENT ic-abc \\\n  --x 1 \\\n  --y 2"),
        Command::Component { reference: ComponentRef::Id("ic-abc".into()), params: pairs(&[("x", "1"), ("y", "2")]) }
    );
}

#[test]
fn component_with_bad_parameters_is_invalid() {
    for text in [
        "COMPONENT ic-abc --x",
        "COMPONENT ic-abc --x --y 1",
        "COMPONENT ic-abc x 1",
        "COMPONENT ic-abc --x 1 --x 2",
        "COMPONENT ic-abc -- 1",
        "COMPONENT ic-abc --x! 1",
        "COMPONENT ic-abc \"--x\" 1",
        "COMPONENT ic-abc --msg \"unterminated",
        "COMPONENT --x 1",
    ] {
        assert_invalid(text, Keyword::Component);
    }
}

#[test]
fn component_with_bad_reference_is_invalid() {
    let long_name = "n".repeat(129);
    let long_arn = format!("COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/{long_name}/1.0.0");
    for text in [
        "COMPONENT ic-",
        "COMPONENT ic-ABC",
        "COMPONENT ic-bp12dvdzvr9k9*****",
        "COMPONENT i-abc",
        "COMPONENT my-component",
        "COMPONENT acs:ecs:CN-hangzhou:1:imagecomponent/n/1.0.0",
        "COMPONENT acs:ecs::1:imagecomponent/n/1.0.0",
        "COMPONENT acs:ecs:cn-hangzhou:abc:imagecomponent/n/1.0.0",
        "COMPONENT acs:ecs:cn-hangzhou::imagecomponent/n/1.0.0",
        "COMPONENT acs:ecs:cn-hangzhou:1:image/n/1.0.0",
        "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/n",
        "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent//1.0.0",
        "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/a/b/1.0.0",
        "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/n/1.0",
        "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/n/1.0.0.0",
        "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/n/1.x.0",
        "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/n/1.-1.0",
        "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/n/4294967296.0.0",
        "COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/n/1..0",
        &long_arn,
    ] {
        assert_invalid(text, Keyword::Component);
    }
    let max_name = format!("COMPONENT acs:ecs:cn-hangzhou:1:imagecomponent/{}/4294967295.0.0", "n".repeat(128));
    assert_eq!(ok(&max_name).steps.len(), 1);
    let max_id = format!("COMPONENT ic-{}", "a".repeat(64));
    assert_eq!(ok(&max_id).steps.len(), 1);
    assert_invalid(&format!("COMPONENT ic-{}", "a".repeat(65)), Keyword::Component);
}

#[test]
fn component_without_reference_is_empty_content() {
    assert_empty("COMPONENT", Keyword::Component);
}

#[test]
fn component_in_a_component_is_component_in_component() {
    assert_eq!(err_in("RUN a\nCOMPONENT ic-abc", Context::Component), TemplateError::ComponentInComponent { line: 2 });
}

#[test]
fn component_content_accepts_plain_commands() {
    let program = ok_in("RUN yum update -y\nRESTART", Context::Component);
    assert_eq!(program.steps.len(), 2);
}

// ----- full example, helpers ----------------------------------------------------------------

#[test]
fn full_build_content_example_parses() {
    let text = "RUN yum update -y\n\
                ENV key1=\"value1\" key2=\"value2\"\n\
                WORKDIR /home\n\
                COMPONENT ic-bp12dvdzvr9k9abcde\n\
                COMPONENT acs:ecs:cn-hangzhou:186891611860000:imagecomponent/ComponentName/1.*.*\n\
                RESTART\n";
    let program = ok(text);
    let expected = vec![
        Command::Run { script: "yum update -y".into() },
        Command::Env { vars: pairs(&[("key1", "value1"), ("key2", "value2")]) },
        Command::Workdir { path: "/home".into() },
        Command::Component { reference: ComponentRef::Id("ic-bp12dvdzvr9k9abcde".into()), params: vec![] },
        Command::Component {
            reference: ComponentRef::Arn {
                region: "cn-hangzhou".into(),
                account: "186891611860000".into(),
                name: "ComponentName".into(),
                version: VersionPattern { major: Some(1), minor: None, patch: None },
            },
            params: vec![],
        },
        Command::Restart,
    ];
    let commands: Vec<Command> = program.steps.iter().map(|s| s.command.clone()).collect();
    assert_eq!(commands, expected);
    let lines: Vec<usize> = program.steps.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![1, 2, 3, 4, 5, 6]);
    let refs: Vec<String> = program.component_refs().map(ToString::to_string).collect();
    assert_eq!(
        refs,
        vec![
            "ic-bp12dvdzvr9k9abcde".to_string(),
            "acs:ecs:cn-hangzhou:186891611860000:imagecomponent/ComponentName/1.*.*".to_string()
        ]
    );
}

#[test]
fn version_pattern_matches_respects_wildcards() {
    let exact = VersionPattern { major: Some(1), minor: Some(0), patch: Some(3) };
    assert!(exact.matches(1, 0, 3));
    assert!(!exact.matches(1, 0, 2));
    let minor_any = VersionPattern { major: Some(1), minor: None, patch: None };
    assert!(minor_any.matches(1, 7, 9));
    assert!(!minor_any.matches(2, 0, 0));
    let patch_any = VersionPattern { major: Some(1), minor: Some(0), patch: None };
    assert!(patch_any.matches(1, 0, 1));
    assert!(!patch_any.matches(1, 1, 1));
    let all = VersionPattern { major: None, minor: None, patch: None };
    assert!(all.matches(0, 0, 0));
    assert!(all.matches(u32::MAX, u32::MAX, u32::MAX));
    assert_eq!(patch_any.to_string(), "1.0.*");
}

#[test]
fn keywords_round_trip_through_as_str_and_parse() {
    let all = [
        Keyword::Component,
        Keyword::Restart,
        Keyword::Run,
        Keyword::Env,
        Keyword::Workdir,
        Keyword::Copy,
        Keyword::User,
        Keyword::Label,
        Keyword::Cmd,
        Keyword::Entrypoint,
        Keyword::From,
    ];
    for keyword in all {
        assert_eq!(Keyword::parse(keyword.as_str()), Some(keyword));
        assert_eq!(Keyword::parse(&keyword.as_str().to_lowercase()), None);
    }
    assert_eq!(Keyword::parse("ADD"), None);
}

#[test]
fn errors_display_as_sentences_naming_line_and_command() {
    assert_eq!(err("RESTART\nRUN").to_string(), "Line 2: the content of command RUN cannot be empty.");
    assert_eq!(
        err("COPY /a").to_string(),
        "Line 1: the content of command COPY is invalid: COPY takes exactly two arguments: <source> <destination>."
    );
    assert_eq!(err("FOO").to_string(), "Line 1: the command \"FOO\" is not supported.");
    assert_eq!(
        TemplateError::TooManyCommands { count: 128 }.to_string(),
        "The content contains 128 commands, which exceeds the upper limit of 127."
    );
    assert_eq!(
        TemplateError::TooLarge { bytes: 16385 }.to_string(),
        "The content is 16385 bytes long, which exceeds the limit of 16384 bytes (16 KB)."
    );
    assert_eq!(err("RESTART x").to_string(), "Line 1: the command RESTART cannot have content.");
    assert_eq!(err("RESTART x").line(), Some(1));
    assert_eq!(TemplateError::TooLarge { bytes: 1 }.line(), None);
    for e in [
        TemplateError::DuplicatedFrom { line: 4 },
        TemplateError::FromNotFirst { line: 4 },
        TemplateError::FromInComponent { line: 4 },
        TemplateError::ComponentInComponent { line: 4 },
        TemplateError::Malformed { line: 4, reason: "x".into() },
    ] {
        let text = e.to_string();
        assert!(text.starts_with("Line 4: ") && text.ends_with('.'), "{text}");
    }
}

#[test]
fn no_input_panics_under_random_byte_mutation() {
    let seeds: &[&str] = &[
        "RUN echo hello;\\\necho world;\n",
        "LABEL user=\"username\"\\\ndate=\"2020-11-11\" key=\"value\"\n",
        "ENV key1=\"value1\" key2=\"value2\"\nENV k v\n",
        "COMPONENT acs:ecs:cn-hangzhou:186891611860000:imagecomponent/Name/1.*.*\n",
        "COMPONENT ic-abc --x 1 --msg \"a b\"\n",
        "CMD [\"a\\u00e9\", \"\\ud83d\\ude00\"]\nENTRYPOINT x\n",
        "FROM IMAGE:m-1\nCOPY https://a.b/c /d\nUSER root$\nWORKDIR /w\nRESTART\n",
        "# comment \\\n\\\n\\\n\"\"[\n",
    ];
    let interesting = b"\\\n\"[]{},=:/.*-#$? \t\r\xc3\xa9\xe4\xb8\xadu";
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for iteration in 0..5_000usize {
        let seed = seeds[iteration % seeds.len()];
        let mut bytes = seed.as_bytes().to_vec();
        let mutations = 1 + (next() % 8) as usize;
        for _ in 0..mutations {
            let r = next();
            let pos = if bytes.is_empty() { 0 } else { (r >> 8) as usize % bytes.len() };
            let byte = if r % 3 == 0 { (r >> 32) as u8 } else { interesting[(r >> 40) as usize % interesting.len()] };
            match r % 4 {
                0 if !bytes.is_empty() => bytes[pos] = byte,
                1 => bytes.insert(pos, byte),
                2 if !bytes.is_empty() => {
                    bytes.remove(pos);
                }
                _ => {
                    let end = (pos + 1 + (r >> 16) as usize % 16).min(bytes.len());
                    let chunk = bytes[pos..end].to_vec();
                    bytes.splice(pos..pos, chunk);
                }
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        for context in [Context::Build, Context::Test, Context::Component] {
            if let Err(e) = parse(&text, context) {
                // Display must not panic either.
                let _ = e.to_string();
            }
        }
    }
}
