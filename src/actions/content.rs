//! Validates template text (`BuildContent`, `TestContent`, component `Content`) with the template
//! parser and maps each parser error to its documented wire code for that field
//! (api-spec §3.1.4, §6.3, §7.1).

use crate::domain::template::{self, Context, Keyword, Program, TemplateError};
use crate::error::{ApiError, ApiResult, Code};

/// Parses `text` as the content of `context` (Build = BuildContent, Test = TestContent,
/// Component = component Content).
pub fn parse(text: &str, context: Context) -> ApiResult<Program> {
    let program = template::parse(text, context).map_err(|err| to_api_error(&err, context))?;
    if context == Context::Test {
        // FROM selects a base image; it has no meaning in a test template (emulator rule).
        if let Some(step) = program.steps.iter().find(|s| matches!(s.command, template::Command::From { .. })) {
            return Err(ApiError::with_message(
                Code::InvalidParameterTestContent,
                format!("Line {}: the command FROM is not supported in TestContent.", step.line),
            ));
        }
    }
    Ok(program)
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
