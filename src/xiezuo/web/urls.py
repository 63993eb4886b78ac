from django.contrib.auth import views as auth_views
from django.urls import path

from xiezuo.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("regions/", views.region_root, name="region_root"),
    path("regions/search/", views.region_search, name="region_search"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
    path("regions/<str:code>/export.xlsx", views.region_export, name="region_export"),
]
