//! Uploads (multipart from a file path or bytes) and downloads. The file
//! argument is named `filepath`, or `req` for wechat-api's *Stream forms,
//! which forward an incoming multipart request's body as it is.

use super::{Body, Endpoint};

const MEDIA: &str = "/cgi-bin/media/upload";
const MATERIAL: &str = "/cgi-bin/material/add_material";

pub static ENDPOINTS: &[Endpoint] = &[
    ep!("uploadMedia", Post, MEDIA, ["filepath", "type"], [("type", "$type")], Body::Upload("media")),
    ep!("uploadMediaStream", Post, MEDIA, ["req", "type"], [("type", "$type")], Body::Forward),
    ep!("uploadImage", Post, "/cgi-bin/media/uploadimg", ["filepath"], [], Body::Upload("media")),
    ep!("uploadImageStream", Post, "/cgi-bin/media/uploadimg", ["req"], [], Body::Forward),
    ep!("uploadVoice", Post, MEDIA, ["filepath"], [("type", "voice")], Body::Upload("media")),
    ep!("uploadVideo", Post, MEDIA, ["filepath"], [("type", "video")], Body::Upload("media")),
    ep!("uploadThumb", Post, MEDIA, ["filepath"], [("type", "thumb")], Body::Upload("media")),
    ep!("uploadVoiceStream", Post, MEDIA, ["req"], [("type", "voice")], Body::Forward),
    ep!("uploadVideoStream", Post, MEDIA, ["req"], [("type", "video")], Body::Forward),
    ep!("uploadThumbStream", Post, MEDIA, ["req"], [("type", "thumb")], Body::Forward),
    ep!("uploadMaterial", Post, MATERIAL, ["filepath", "type"], [("type", "$type")], Body::Upload("media")),
    ep!("uploadVideoMaterial", Post, MATERIAL, ["filepath", "description"], [("type", "video")], Body::Upload("media")),
    ep!("uploadImageMaterial", Post, MATERIAL, ["filepath"], [("type", "image")], Body::Upload("media")),
    ep!("uploadVoiceMaterial", Post, MATERIAL, ["filepath"], [("type", "voice")], Body::Upload("media")),
    ep!("uploadThumbMaterial", Post, MATERIAL, ["filepath"], [("type", "thumb")], Body::Upload("media")),
    ep!("uploadLogo", Post, "/cgi-bin/media/uploadimg", ["filepath"], [], Body::Upload("buffer")),
    ep!("setKfAccountAvatar", Post, "/customservice/kfaccount/uploadheadimg", ["account", "filepath"], [("kf_account", "$account")], Body::Upload("media")),
    ep!(retired "uploadPageIcon", Post, "/shakearound/material/add", ["filepath"], [], Body::Upload("media")),
    ep!(retired "uploadPicture", Post, "/merchant/common/upload_img", ["filepath"], [], Body::RawUpload),
    // downloads: a Buffer, or JSON when WeChat answers JSON (video and news materials)
    ep!("getMedia", Get, "/cgi-bin/media/get", ["mediaId"], [("media_id", "$mediaId")], Body::Download),
    ep!("getMaterial", Post, "/cgi-bin/material/get_material", ["mediaId"], [], Body::Download),
];
