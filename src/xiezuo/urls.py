from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from xiezuo.api.api import api

admin.site.site_header = "协作 Xiezuo"
admin.site.site_title = "协作 Xiezuo"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask for /favicon.ico whatever the page says: send them to the app's own icon.
    path(
        "favicon.ico",
        RedirectView.as_view(url=static("xiezuo/favicon.svg"), permanent=True),
        name="favicon",
    ),
    path("", include("xiezuo.web.urls")),
]

handler400 = "xiezuo.web.errors.bad_request"
handler403 = "xiezuo.web.errors.forbidden"
handler404 = "xiezuo.web.errors.not_found"
handler500 = "xiezuo.web.errors.server_error"
