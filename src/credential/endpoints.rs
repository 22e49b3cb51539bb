//! The WeChat endpoints that hand out credentials.

pub const API_COMPONENT_TOKEN: &str = "/cgi-bin/component/api_component_token";
pub const API_CREATE_PREAUTHCODE: &str = "/cgi-bin/component/api_create_preauthcode";
pub const API_AUTHORIZER_TOKEN: &str = "/cgi-bin/component/api_authorizer_token";
pub const API_QUERY_AUTH: &str = "/cgi-bin/component/api_query_auth";
pub const API_START_PUSH_TICKET: &str = "/cgi-bin/component/api_start_push_ticket";
pub const CGI_TOKEN: &str = "/cgi-bin/token";
pub const CGI_STABLE_TOKEN: &str = "/cgi-bin/stable_token";
pub const CGI_GETTICKET: &str = "/cgi-bin/ticket/getticket";
