//! Validates template text (`BuildContent`, `TestContent`, component `Content` in either format)
//! with the template and YAML component parsers and maps each parser error to its documented wire
//! code for that field, as the error tables of
//! <https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-createimagepipeline>
//! (`BuildContent`, `TestContent`) and
//! <https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-createimagecomponent>
//! (`Content`) list them; the commands themselves are those of
//! <https://www.alibabacloud.com/help/en/ecs/user-guide/commands-supported-by-image-builder>. The API
//! and `ecs-imagebuilder-emulator lint` both call this module, so they cannot disagree on a code or a
//! message.

use crate::domain::component::{self, Parameter, SystemType, YamlError};
use crate::domain::template::{self, Context, Keyword, Program, TemplateError};
use crate::error::{ApiError, ApiResult, Code};

/// A content the API refuses: the wire error, and the 1-based line at fault when the parser knows
/// it (the line is for `lint`; the wire message is the same with or without it).
#[derive(Debug, Clone)]
pub struct ContentError {
    pub error: ApiError,
    pub line: Option<usize>,
}

impl ContentError {
    fn new(error: ApiError, line: Option<usize>) -> ContentError {
        ContentError { error, line }
    }
}

/// Parses `text` as the content of `context` (Build = BuildContent, Test = TestContent,
/// Component = command-line component Content).
pub fn parse(text: &str, context: Context) -> ApiResult<Program> {
    check(text, context).map_err(|e| e.error)
}

/// [`parse`], keeping the line of the error.
pub fn check(text: &str, context: Context) -> Result<Program, ContentError> {
    let program =
        template::parse(text, context).map_err(|err| ContentError::new(to_api_error(&err, context), err.line()))?;
    if context == Context::Test {
        // FROM selects a base image; it has no meaning in a test template (emulator rule).
        if let Some(step) = program.steps.iter().find(|s| matches!(s.command, template::Command::From { .. })) {
            let error = ApiError::with_message(
                Code::InvalidParameterTestContent,
                format!("Line {}: the command FROM is not supported in TestContent.", step.line),
            );
            return Err(ContentError::new(error, Some(step.line)));
        }
    }
    Ok(program)
}

/// Validates a component `Content` in its format (YAML or command lines) for `system_type` and
/// returns the parameters it declares.
pub fn parse_component(text: &str, system_type: SystemType) -> ApiResult<Vec<Parameter>> {
    check_component(text, system_type).map_err(|e| e.error)
}

/// [`parse_component`], keeping the line of the error.
pub fn check_component(text: &str, system_type: SystemType) -> Result<Vec<Parameter>, ContentError> {
    if component::is_yaml(text) {
        let yaml = component::parse_yaml(text, system_type).map_err(|err| {
            let code = match err {
                YamlError::TooLarge { .. } => Code::InvalidContentLengthExceeded,
                YamlError::TooManyTasks { .. } => Code::InvalidImageTemplateCommandSizeExceededMaxNumber,
                YamlError::Invalid { .. } => Code::InvalidParameterContent,
            };
            ContentError::new(ApiError::with_message(code, err.to_string()), err.line())
        })?;
        return Ok(yaml.parameters);
    }
    let program = check(text, Context::Component)?;
    if system_type == SystemType::Windows {
        let error = ApiError::with_message(
            Code::InvalidParameterContent,
            "Command-line content runs on Linux only; write Windows components in the YAML format.",
        );
        return Err(ContentError::new(error, None));
    }
    if program.steps.is_empty() {
        let error = ApiError::with_message(Code::InvalidParameterContent, "The content contains no command.");
        return Err(ContentError::new(error, None));
    }
    Ok(Vec::new())
}

fn generic(context: Context) -> Code {
    match context {
        Context::Build => Code::InvalidParameterBuildContent,
        Context::Test => Code::InvalidParameterTestContent,
        Context::Component => Code::InvalidParameterContent,
    }
}

fn empty_code(keyword: Keyword) -> Option<Code> {
    Some(match keyword {
        Keyword::Run => Code::EmptyCommandContentRun,
        Keyword::Env => Code::EmptyCommandContentEnv,
        Keyword::Workdir => Code::EmptyCommandContentWorkdir,
        Keyword::Copy => Code::EmptyCommandContentCopy,
        Keyword::User => Code::EmptyCommandContentUser,
        Keyword::Label => Code::EmptyCommandContentLabel,
        Keyword::Cmd => Code::EmptyCommandContentCmd,
        Keyword::Entrypoint => Code::EmptyCommandContentEntrypoint,
        // No EmptyCommandContent code exists for these: an empty FROM is invalid FROM content.
        Keyword::From => Code::InvalidCommandContentFrom,
        Keyword::Component | Keyword::Restart => return None,
    })
}

fn invalid_code(keyword: Keyword) -> Option<Code> {
    Some(match keyword {
        Keyword::Run => Code::InvalidCommandContentRun,
        Keyword::Env => Code::InvalidCommandContentEnv,
        Keyword::Workdir => Code::InvalidCommandContentWorkdir,
        Keyword::Copy => Code::InvalidCommandContentCopy,
        Keyword::User => Code::InvalidCommandContentUser,
        Keyword::Cmd => Code::InvalidCommandContentCmd,
        Keyword::Entrypoint => Code::InvalidCommandContentEntrypoint,
        Keyword::From => Code::InvalidCommandContentFrom,
        // LABEL and COMPONENT have no InvalidCommandContent code: the field's generic code applies.
        Keyword::Label | Keyword::Component | Keyword::Restart => return None,
    })
}

fn to_api_error(err: &TemplateError, context: Context) -> ApiError {
    let code = match err {
        TemplateError::TooLarge { .. } => match context {
            Context::Build => Code::InvalidBuildContentLengthExceeded,
            Context::Test => Code::InvalidParameterTestContent,
            Context::Component => Code::InvalidContentLengthExceeded,
        },
        TemplateError::TooManyCommands { .. } => Code::InvalidImageTemplateCommandSizeExceededMaxNumber,
        TemplateError::UnknownCommand { .. } => Code::InvalidImageTemplateCommandNotSupported,
        TemplateError::EmptyContent { keyword, .. } => empty_code(*keyword).unwrap_or(generic(context)),
        TemplateError::InvalidContent { keyword, .. } => invalid_code(*keyword).unwrap_or(generic(context)),
        TemplateError::RestartWithContent { .. } => Code::NotEmptyCommandContentRestart,
        TemplateError::DuplicatedFrom { .. } => Code::DuplicatedCommandFrom,
        TemplateError::FromNotFirst { .. } => Code::InvalidCommandOrderFrom,
        TemplateError::FromInComponent { .. } => Code::NotSupportedCommandFrom,
        TemplateError::ComponentInComponent { .. } => Code::InvalidCommandComponent,
        TemplateError::Malformed { .. } => generic(context),
    };
    ApiError::with_message(code, err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str, context: Context) -> String {
        parse(text, context).err().map(|e| e.code_str().to_string()).unwrap_or_default()
    }

    #[test]
    fn parser_errors_map_to_the_documented_codes_per_field() {
        let big = "RUN x\n".repeat(3000);
        assert_eq!(code(&big, Context::Build), "InvalidBuildContent.LengthExceeded");
        assert_eq!(code(&big, Context::Test), "InvalidParameter.TestContent");
        assert_eq!(code(&big, Context::Component), "InvalidContent.LengthExceeded");
        assert_eq!(code("RUN", Context::Build), "EmptyCommandContent.RUN");
        assert_eq!(code("LABEL", Context::Build), "EmptyCommandContent.LABEL");
        assert_eq!(code("RESTART now", Context::Build), "NotEmptyCommandContent.RESTART");
        assert_eq!(code("FOO bar", Context::Build), "InvalidImageTemplateCommand.NotSupported");
        assert_eq!(code("RUN a\nFROM IMAGE:m-1", Context::Build), "InvalidCommandOrder.FROM");
        assert_eq!(code("FROM IMAGE:m-1\nFROM IMAGE:m-2", Context::Build), "DuplicatedCommand.FROM");
        assert_eq!(code("FROM IMAGE:m-1", Context::Test), "InvalidParameter.TestContent");
        assert_eq!(code("COPY onlyone", Context::Build), "InvalidCommandContent.COPY");
        assert_eq!(code("FROM IMAGE:m-1", Context::Component), "NotSupportedCommand.FROM");
        assert_eq!(code("COMPONENT ic-abc", Context::Component), "InvalidCommand.Component");
        assert_eq!(code(&"RUN x\n".repeat(128), Context::Build), "InvalidImageTemplateCommandSize.ExceededMaxNumber");
    }
}
